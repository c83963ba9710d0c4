import { assign, setup } from 'xstate';
import { pick } from '../services/localized';
import { formatReference } from '../services/reference';
import { TO_MENU, type Dialog, type DialogEvent, type DialogInput, type DialogOutput } from './dialog';
import { statusText } from './requests';
import { choiceScreen, questionScreen, text } from './screen';

interface StatusContext {
  reference?: string;
}

const machine = setup({
  types: { context: {} as StatusContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
}).createMachine({
  id: 'status',
  initial: 'start',
  context: ({ input }) => ({ reference: input.params.reference }),
  states: {
    // STATUS <reference> by SMS arrives with the reference already checked.
    start: { always: [{ guard: ({ context }) => context.reference !== undefined, target: 'result' }, { target: 'ask' }] },
    ask: {
      on: {
        ANSWER: { target: 'result', actions: assign({ reference: ({ event }) => (event.type === 'ANSWER' ? event.value : undefined) }) },
        BACK: 'done',
      },
    },
    result: {
      on: {
        CHOOSE: [{ guard: ({ event }) => event.value === 'again', target: 'ask' }, { target: 'done' }],
        BACK: 'done',
      },
    },
    done: { type: 'final' },
  },
  output: () => TO_MENU,
});

/**
 * Status by reference. The engine has already refused a reference whose check digit is wrong.
 * From a phone that did not file the request, only the service and status are shown.
 */
export const statusDialog: Dialog<StatusContext> = {
  name: 'status',
  version: 1,
  machine,
  screens: {
    ask: async () => questionScreen([text('status.ask')], { kind: 'reference' }),
    result: async ({ context, citizenId, services, locale }) => {
      const again = [{ label: text('status.again'), value: 'again' }];
      const request = await services.requests.findByReference(context.reference ?? '');
      if (!request) return choiceScreen([text('status.not_found')], again);
      const body = [
        text('requests.reference', { reference: formatReference(request.reference) }),
        text('common.item', { name: pick(request.serviceName, locale) }),
        text('requests.status', { status: statusText(request.status) }),
      ];
      if (request.citizenId === citizenId) body.push(text('requests.updated', { date: request.updatedAt.toISOString().slice(0, 10) }));
      return choiceScreen(body, again);
    },
  },
};
