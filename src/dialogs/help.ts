import { setup } from 'xstate';
import { TO_MENU, type Dialog, type DialogEvent, type DialogInput, type DialogOutput } from './dialog';
import { choiceScreen, text } from './screen';

const machine = setup({
  types: { input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
}).createMachine({
  id: 'help',
  initial: 'help',
  states: {
    help: { on: { BACK: 'done', CHOOSE: 'done' } },
    done: { type: 'final' },
  },
  output: () => TO_MENU,
});

/** How to use the service, and where to get help from a person. */
export const helpDialog: Dialog = {
  name: 'help',
  version: 1,
  machine,
  screens: {
    help: async () => choiceScreen([text('help.body'), text('help.contact')], [{ label: text('common.menu'), value: 'menu' }]),
  },
};
