import { assign, fromPromise, setup } from 'xstate';
import { pick } from '../services/localized';
import type { VerifyOutcome } from '../services/verification';
import { TO_MENU, type Dialog, type DialogEvent, type DialogInput, type DialogOutput, type TrustEffects } from './dialog';
import { choiceScreen, finalScreen, questionScreen, text, type Text } from './screen';
import { readableLocalTime } from '../text/dates';

/**
 * "Check a message": the citizen types the code at the end of a message that claims to be
 * from Lingkod and learns whether Lingkod sent it to them, when, and from which ministry.
 * `VERIFY <code>` by SMS starts here with `params.code`. Lookups are rate-limited per citizen.
 */
interface VerifyContext {
  citizenId: number;
  code?: string;
  outcome?: VerifyOutcome;
}

/** Longest code typed with spaces or dashes ("KX7 M2Q"); the service reads six letters and digits. */
const CODE_INPUT = { minLength: 6, maxLength: 9 };

export function verifyDialog(effects: Pick<TrustEffects, 'verifyMessage'>): Dialog<VerifyContext> {
  const machine = setup({
    types: { context: {} as VerifyContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
    actors: {
      verifyMessage: fromPromise<VerifyOutcome, { citizenId: number; code: string }>(({ input }) => effects.verifyMessage(input)),
    },
  }).createMachine({
    id: 'verify',
    initial: 'start',
    context: ({ input }) => ({ citizenId: input.citizenId, code: input.params.code }),
    states: {
      start: { always: [{ guard: ({ context }) => context.code !== undefined, target: 'checking' }, { target: 'ask' }] },
      ask: {
        on: {
          ANSWER: { target: 'checking', actions: assign({ code: ({ event }) => (event.type === 'ANSWER' ? event.value : undefined) }) },
          BACK: 'done',
        },
      },
      checking: {
        tags: ['busy'],
        invoke: {
          id: 'verifyMessage',
          src: 'verifyMessage',
          input: ({ context }) => ({ citizenId: context.citizenId, code: context.code ?? '' }),
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
    name: 'verify',
    version: 1,
    machine,
    screens: {
      ask: async () => questionScreen([text('verify.ask')], { kind: 'text', ...CODE_INPUT }),
      result: async ({ context, locale }) => {
        const outcome = context.outcome ?? { kind: 'unknown' };
        const again = [{ label: text('verify.again'), value: 'again' }];
        if (outcome.kind === 'limited') return choiceScreen([text('verify.limited')], [{ label: text('common.menu'), value: 'menu' }]);
        if (outcome.kind === 'unknown') return choiceScreen([text('verify.unknown', { code: (context.code ?? '').toUpperCase() })], again);
        const from: Text = outcome.ministry ? text('common.item', { name: pick(outcome.ministry, locale) }) : outcome.centre ? text('common.item', { name: outcome.centre }) : text('verify.lingkod');
        return choiceScreen([text('verify.genuine', { when: readableLocalTime(outcome.when, locale), from })], again);
      },
      failed: async () => finalScreen([text('common.try_later')]),
    },
  };
}
