import { assign, setup } from 'xstate';
import { pick } from '../services/localized';
import { formatReference } from '../services/reference';
import { TO_MENU, type Dialog, type DialogEvent, type DialogInput, type DialogOutput } from './dialog';
import { choiceScreen, text, type Text } from './screen';

interface RequestsContext {
  reference?: string;
}

const machine = setup({
  types: { context: {} as RequestsContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
}).createMachine({
  id: 'requests',
  initial: 'list',
  context: {},
  states: {
    list: {
      on: {
        CHOOSE: { target: 'detail', actions: assign({ reference: ({ event }) => (event.type === 'CHOOSE' ? event.value : undefined) }) },
        BACK: 'done',
      },
    },
    detail: { on: { BACK: 'list', CHOOSE: 'done' } },
    done: { type: 'final' },
  },
  output: () => TO_MENU,
});

/** A status as the citizen reads it; unknown (ministry-defined) statuses show their code. */
export function statusText(status: string): Text {
  return text(`statuses.${status}`, { defaultValue: status.replace(/_/g, ' ') });
}

/** My requests: the ones filed from this phone (or linked account), newest first. */
export const requestsDialog: Dialog<RequestsContext> = {
  name: 'requests',
  version: 1,
  machine,
  screens: {
    list: async ({ citizenId, services, locale }) => {
      const requests = await services.requests.listFor(citizenId, 20);
      if (requests.length === 0) return choiceScreen([text('requests.none')], []);
      return choiceScreen(
        [text('requests.title')],
        requests.map((request) => ({
          label: text('requests.item', { reference: formatReference(request.reference), service: pick(request.serviceName, locale) }),
          value: request.reference,
        })),
      );
    },
    detail: async ({ context, citizenId, services, locale }) => {
      const request = await services.requests.findByReference(context.reference ?? '');
      // The list only offers the citizen's own requests; anything else is treated as not found.
      if (!request || request.citizenId !== citizenId) return choiceScreen([text('status.not_found')], []);
      return choiceScreen(
        [
          text('requests.reference', { reference: formatReference(request.reference) }),
          text('common.item', { name: pick(request.serviceName, locale) }),
          text('requests.status', { status: statusText(request.status) }),
          text('requests.updated', { date: request.updatedAt.toISOString().slice(0, 10) }),
        ],
        [{ label: text('common.menu'), value: 'menu' }],
      );
    },
  },
};
