import { assign, setup } from 'xstate';
import type { Dialog, DialogEvent, DialogInput, DialogName, DialogOutput } from './dialog';
import { choiceScreen, text } from './screen';

/** The main menu's entries, in the order shown; each starts the dialog of the same name. */
export const MENU_ENTRIES: DialogName[] = ['browse', 'centres', 'requests', 'status', 'subscribe', 'language', 'help', 'mydata', 'complaint'];

interface MenuContext {
  next: DialogName;
}

const machine = setup({
  types: {
    context: {} as MenuContext,
    input: {} as DialogInput,
    events: {} as DialogEvent,
    output: {} as DialogOutput,
  },
  guards: {
    isEntry: ({ event }) => event.type === 'CHOOSE' && (MENU_ENTRIES as string[]).includes(event.value),
  },
}).createMachine({
  id: 'menu',
  initial: 'menu',
  context: { next: 'menu' },
  states: {
    menu: {
      on: {
        CHOOSE: {
          guard: 'isEntry',
          target: 'done',
          actions: assign({ next: ({ event }) => (event as { value: DialogName }).value }),
        },
      },
    },
    done: { type: 'final' },
  },
  output: ({ context }) => ({ next: context.next }),
});

/** The main menu: the nine things a citizen can do (family members are under My requests, "check a message" under Help). */
export const menuDialog: Dialog<MenuContext> = {
  name: 'menu',
  version: 1,
  machine,
  screens: {
    menu: async () =>
      choiceScreen(
        [text('menu.title')],
        MENU_ENTRIES.map((entry) => ({ label: text(`menu.${entry}`), value: entry })),
        false,
      ),
  },
};
