import { assign, setup } from 'xstate';
import type { Dialog, DialogEvent, DialogInput, DialogOutput } from './dialog';
import { pick } from '../services/localized';
import { choiceScreen, text } from './screen';

interface ResumeContext {
  service: string;
  resume: boolean;
}

const machine = setup({
  types: { context: {} as ResumeContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
}).createMachine({
  id: 'resume',
  initial: 'ask',
  context: ({ input }) => ({ service: input.params.service ?? '', resume: false }),
  states: {
    ask: {
      on: {
        CHOOSE: [
          { guard: ({ event }) => event.value === 'yes', target: 'done', actions: assign({ resume: true }) },
          { guard: ({ event }) => event.value === 'no', target: 'done' },
        ],
      },
    },
    done: { type: 'final' },
  },
  // `resume` tells the engine to bring back the dialog it put aside (the menu if it has none).
  output: ({ context }) => (context.resume ? { next: 'menu', resume: true } : { next: 'menu' }),
});

/** Offered on a new dial when the last one dropped in the middle of a request form. */
export const resumeDialog: Dialog<ResumeContext> = {
  name: 'resume',
  version: 1,
  machine,
  screens: {
    ask: async ({ context, locale, services }) => {
      const service = await services.catalog.service(context.service);
      return choiceScreen(
        [text('resume.question', { service: service ? pick(service.name, locale) : '' })],
        [
          { label: text('common.yes'), value: 'yes' },
          { label: text('common.no'), value: 'no' },
        ],
        false,
      );
    },
  },
};
