import { assign, setup } from 'xstate';
import type { Dialog, DialogEvent, DialogInput, DialogName, DialogOutput } from './dialog';
import { choiceScreen, text } from './screen';

interface HelpContext {
  next: DialogName;
}

const machine = setup({
  types: { context: {} as HelpContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
}).createMachine({
  id: 'help',
  initial: 'help',
  context: { next: 'menu' },
  states: {
    help: {
      on: {
        BACK: 'done',
        CHOOSE: [{ guard: ({ event }) => event.value === 'verify', target: 'done', actions: assign({ next: 'verify' }) }, { target: 'done' }],
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => ({ next: context.next }),
});

/**
 * How to use the service, where to get help from a person, and "check a message": whether a
 * message claiming to be from Lingkod is genuine (here rather than on the main menu, which must
 * stay one USSD page). Version 2: the check.
 */
export const helpDialog: Dialog<HelpContext> = {
  name: 'help',
  version: 2,
  machine,
  screens: {
    help: async () =>
      choiceScreen(
        [text('help.body'), text('help.contact')],
        [
          { label: text('help.verify'), value: 'verify' },
          { label: text('common.menu'), value: 'menu' },
        ],
      ),
  },
};
