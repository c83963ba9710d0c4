import { assign, fromPromise, setup } from 'xstate';
import type { DataHeld } from '../services/data-rights';
import { NO_CITIZEN, TO_MENU, type Dialog, type DialogEvent, type DialogInput, type DialogOutput, type PrivacyEffects, type TrustEffects } from './dialog';
import { proofActors, proofScreens, proofStates, type ProofContext } from './proof';
import { choiceScreen, finalScreen, text } from './screen';
import { readableDay } from '../text/dates';

/** Consent changes the MYDATA screen lists (the privacy officer's API has them all). */
const CONSENTS_SHOWN = 3;

interface MyDataContext extends ProofContext {
  citizenId: number;
  channel: string;
  /** The channel authenticates the address: no code needed to erase. */
  proven: boolean;
  /** Opened by DELETE: straight to the confirmation. */
  deleting: boolean;
  held?: DataHeld;
}

/**
 * My data (Philippine Data Privacy Act): what Lingkod holds about the citizen, as counts, and
 * erasure on request, always behind a confirmation. From the menu, or the MYDATA keyword, it
 * opens on the summary; the DELETE keyword (`params.step = 'delete'`) opens on the
 * confirmation. The counts are loaded by an effect into the context (numbers only, never the
 * data itself), and the erasure is an effect too (src/services/data-rights.ts). Erasure cannot be
 * undone, so where the channel does not prove the phone (USSD) a code sent to it by SMS must be
 * typed first (proof.ts); without SMS, the citizen is told to text DELETE instead.
 */
export function mydataDialog(effects: Pick<PrivacyEffects, 'dataHeld' | 'eraseCitizen'> & Pick<TrustEffects, 'requestProof' | 'checkProof'>): Dialog<MyDataContext> {
  const machine = setup({
    types: { context: {} as MyDataContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
    actors: {
      dataHeld: fromPromise<DataHeld, { citizenId: number }>(({ input }) => effects.dataHeld(input.citizenId)),
      eraseCitizen: fromPromise<void, { citizenId: number; channel: string }>(({ input }) => effects.eraseCitizen(input)),
      ...proofActors(effects),
    },
  }).createMachine({
    id: 'mydata',
    initial: 'start',
    context: ({ input }) => ({
      citizenId: input.citizenId,
      channel: input.channel,
      address: input.address,
      locale: input.locale,
      proven: input.proven,
      deleting: input.params.step === 'delete',
    }),
    states: {
      start: { always: [{ guard: ({ context }) => context.deleting, target: 'confirm' }, { target: 'loading' }] },
      loading: {
        tags: ['busy'],
        invoke: {
          id: 'dataHeld',
          src: 'dataHeld',
          input: ({ context }) => ({ citizenId: context.citizenId }),
          onDone: { target: 'summary', actions: assign({ held: ({ event }) => event.output }) },
          onError: 'failed',
        },
      },
      summary: {
        on: {
          CHOOSE: [{ guard: ({ event }) => event.value === 'delete', target: 'confirm' }, { guard: ({ event }) => event.value === 'consents', target: 'consents' }, { target: 'done' }],
          BACK: 'done',
        },
      },
      consents: { on: { BACK: 'summary' } },
      confirm: {
        on: {
          CHOOSE: [
            // Nothing is held about a caller who is not a citizen: nothing to prove for.
            { guard: ({ context, event }) => event.value === 'yes' && (context.proven || context.citizenId === NO_CITIZEN), target: 'erasing' },
            { guard: ({ event }) => event.value === 'yes', target: 'proofSending' },
            { target: 'done' },
          ],
          BACK: 'done',
        },
      },
      ...proofStates('erase', { proven: 'erasing', cancel: 'done' }),
      erasing: {
        tags: ['busy'],
        invoke: {
          id: 'eraseCitizen',
          src: 'eraseCitizen',
          input: ({ context }) => ({ citizenId: context.citizenId, channel: context.channel }),
          onDone: 'erased',
          onError: 'failed',
        },
      },
      // Shown once; the engine starts afresh after a screen that ends the session.
      erased: {},
      failed: {},
      done: { type: 'final' },
    },
    output: () => TO_MENU,
  });

  return {
    name: 'mydata',
    version: 3,
    machine,
    screens: {
      ...proofScreens<MyDataContext>('erase'),
      summary: async ({ context }) => {
        const held = context.held ?? { phones: 0, chats: 0, requests: 0, topics: 0, messages: 0, locale: null, consents: [] };
        return choiceScreen(
          [
            text('mydata.title'),
            text('mydata.contacts', { count: held.phones + held.chats }),
            text('mydata.requests', { count: held.requests }),
            text('mydata.topics', { count: held.topics }),
            text('mydata.messages', { count: held.messages }),
          ],
          [
            { label: text('mydata.delete'), value: 'delete' },
            { label: text('privacy:mydata.consents', { count: held.consents.length }), value: 'consents' },
          ],
        );
      },
      // The latest consent changes, newest first: what was agreed or withdrawn, when and how (a saved session holds `at` as a string).
      consents: async ({ context, locale, services }) =>
        choiceScreen(
          [
            text('privacy:mydata.consents_title'),
            ...(context.held?.consents.length
              ? context.held.consents
                  .slice(0, CONSENTS_SHOWN)
                  .map((event) => text(`privacy:mydata.${event.purpose}_${event.action}`, { date: readableDay(new Date(event.at), locale, services.timeZone), channel: event.channel }))
              : [text('privacy:mydata.none')]),
          ],
          [],
        ),
      confirm: async () =>
        choiceScreen([text('mydata.confirm')], [
          { label: text('mydata.yes'), value: 'yes' },
          { label: text('mydata.no'), value: 'no' },
        ]),
      erased: async () => finalScreen([text('mydata.erased')]),
      failed: async () => finalScreen([text('common.try_later')]),
    },
  };
}
