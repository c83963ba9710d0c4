import { assign, fromPromise, setup } from 'xstate';
import type { LookupOutcome } from '../services/lookup-guard';
import { pick } from '../services/localized';
import { formatReference } from '../services/reference';
import { TO_MENU, type Caller, type Dialog, type DialogEvent, type DialogInput, type DialogOutput, type PrivacyEffects } from './dialog';
import { statusText } from './requests';
import { choiceScreen, finalScreen, questionScreen, text } from './screen';
import { readableDay } from '../text/dates';

interface StatusContext extends Caller {
  network?: string;
  reference?: string;
  outcome?: LookupOutcome;
}

/**
 * Status by reference. The engine has already refused a reference whose check digit is wrong;
 * the lookup itself goes through the guard (src/services/lookup-guard.ts), which refuses after
 * repeated misses and audits every lookup. From a phone that did not file the request, only
 * the service and status are shown. Version 2: the lookup became a state of its own.
 */
export function statusDialog(effects: Pick<PrivacyEffects, 'lookupRequest'>): Dialog<StatusContext> {
  const machine = setup({
    types: { context: {} as StatusContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
    actors: {
      lookupRequest: fromPromise<LookupOutcome, Parameters<PrivacyEffects['lookupRequest']>[0]>(({ input }) => effects.lookupRequest(input)),
    },
  }).createMachine({
    id: 'status',
    initial: 'start',
    context: ({ input }) => ({ citizenId: input.citizenId, address: input.address, channel: input.channel, network: input.network, reference: input.params.reference }),
    states: {
      // STATUS <reference> by SMS arrives with the reference already checked.
      start: { always: [{ guard: ({ context }) => context.reference !== undefined, target: 'lookup' }, { target: 'ask' }] },
      ask: {
        on: {
          ANSWER: { target: 'lookup', actions: assign({ reference: ({ event }) => (event.type === 'ANSWER' ? event.value : undefined) }) },
          BACK: 'done',
        },
      },
      lookup: {
        tags: ['busy'],
        invoke: {
          id: 'lookupRequest',
          src: 'lookupRequest',
          input: ({ context }) => ({ citizenId: context.citizenId, address: context.address, channel: context.channel, network: context.network, reference: context.reference ?? '' }),
          onDone: { target: 'result', actions: assign({ outcome: ({ event }) => event.output }) },
          onError: 'failed',
        },
      },
      result: {
        on: {
          CHOOSE: [{ guard: ({ event }) => event.value === 'again', target: 'ask' }, { target: 'done' }],
          BACK: 'done',
        },
      },
      failed: {},
      done: { type: 'final' },
    },
    output: () => TO_MENU,
  });

  return {
    name: 'status',
    version: 3,
    machine,
    screens: {
      ask: async () => questionScreen([text('status.ask')], { kind: 'reference' }),
      result: async ({ context, citizenId, services, locale }) => {
        const again = [{ label: text('status.again'), value: 'again' }];
        if (context.outcome === 'limited') return choiceScreen([text('status.limited')], [{ label: text('common.menu'), value: 'menu' }]);
        const request = context.outcome === 'found' ? await services.requests.findByReference(context.reference ?? '') : undefined;
        if (!request) return choiceScreen([text('status.not_found')], again);
        const body = [
          text('requests.reference', { reference: formatReference(request.reference) }),
          text('common.item', { name: pick(request.serviceName, locale) }),
          text('requests.status', { status: statusText(request.status) }),
        ];
        if (request.citizenId === citizenId) body.push(text('requests.updated', { date: readableDay(request.updatedAt, locale, services.timeZone) }));
        return choiceScreen(body, again);
      },
      failed: async () => finalScreen([text('status.unavailable')]),
    },
  };
}
