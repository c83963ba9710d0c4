import { assign, fromPromise, setup } from 'xstate';
import { pick } from '../services/localized';
import { formatReference } from '../services/reference';
import { TO_MENU, type Dialog, type DialogEvent, type DialogInput, type DialogOutput, type TrustEffects } from './dialog';
import { proofActors, proofScreens, proofStates, type ProofContext } from './proof';
import { choiceScreen, finalScreen, text } from './screen';

/**
 * A request filed for the citizen at a service centre, waiting for their answer. Offered when
 * they dial (or write) while one waits: "Confirm request for Barangay Clearance filed at Marawi
 * centre? 1 Yes 2 No"; `0` leaves it waiting. Started with `params.code` (the six digits they
 * replied to the centre's SMS with), it confirms at once. Nothing is filed until they say yes.
 * Yes files a request in the citizen's name, so where the channel does not prove the phone
 * (USSD) a code sent to it by SMS must be typed first (proof.ts); without SMS, the citizen is
 * told to reply to the centre's SMS instead.
 */
interface ConfirmContext extends ProofContext {
  citizenId: number;
  /** The channel authenticates the address: yes needs no code. */
  proven: boolean;
  /** The request asked about (params.id). */
  id?: number;
  /** The code the citizen texted back (params.code). */
  code?: string;
  reference?: string;
}

type Answer = { reference: string } | null;

/** The request an answer on the screen is about: options carry it (`yes:12`), so the answer is about what was shown. */
const answered = (event: DialogEvent, answer: 'yes' | 'no') => event.type === 'CHOOSE' && event.value.startsWith(`${answer}:`);
const idOf = ({ event }: { event: DialogEvent }) => (event.type === 'CHOOSE' ? Number(event.value.split(':')[1]) : undefined);

export function confirmAssistedDialog(effects: Pick<TrustEffects, 'confirmAssisted' | 'declineAssisted' | 'requestProof' | 'checkProof'>): Dialog<ConfirmContext> {
  const machine = setup({
    types: { context: {} as ConfirmContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
    actors: {
      confirmAssisted: fromPromise<Answer, { citizenId: number; id?: number; code?: string }>(({ input }) => effects.confirmAssisted(input)),
      declineAssisted: fromPromise<boolean, { citizenId: number; id: number }>(({ input }) => effects.declineAssisted(input)),
      ...proofActors(effects),
    },
  }).createMachine({
    id: 'confirm-assisted',
    initial: 'start',
    context: ({ input }) => ({
      citizenId: input.citizenId,
      address: input.address,
      locale: input.locale,
      proven: input.proven,
      id: /^\d{1,15}$/.test(input.params.id ?? '') ? Number(input.params.id) : undefined,
      code: input.params.code,
    }),
    states: {
      start: { always: [{ guard: ({ context }) => context.code !== undefined, target: 'confirming' }, { target: 'ask' }] },
      ask: {
        on: {
          CHOOSE: [
            { guard: ({ context, event }) => answered(event, 'yes') && context.proven, target: 'confirming', actions: assign({ id: idOf }) },
            { guard: ({ event }) => answered(event, 'yes'), target: 'proofSending', actions: assign({ id: idOf }) },
            { guard: ({ event }) => answered(event, 'no'), target: 'declining', actions: assign({ id: idOf }) },
            { target: 'done' },
          ],
          BACK: 'done',
        },
      },
      ...proofStates('confirm', { proven: 'confirming', cancel: 'done' }),
      confirming: {
        tags: ['busy'],
        invoke: {
          id: 'confirmAssisted',
          src: 'confirmAssisted',
          input: ({ context }) => ({ citizenId: context.citizenId, id: context.id, code: context.code }),
          onDone: [
            { guard: ({ event }) => event.output !== null, target: 'confirmed', actions: assign({ reference: ({ event }) => event.output?.reference }) },
            { target: 'gone' },
          ],
          onError: 'failed',
        },
      },
      declining: {
        tags: ['busy'],
        invoke: {
          id: 'declineAssisted',
          src: 'declineAssisted',
          input: ({ context }) => ({ citizenId: context.citizenId, id: context.id ?? 0 }),
          onDone: [{ guard: ({ event }) => event.output, target: 'declined' }, { target: 'gone' }],
          onError: 'failed',
        },
      },
      // Shown once; the engine starts afresh after a screen that ends the session.
      confirmed: {},
      declined: {},
      gone: {},
      failed: {},
      done: { type: 'final' },
    },
    output: () => TO_MENU,
  });

  return {
    name: 'confirm-assisted',
    version: 2,
    machine,
    screens: {
      ...proofScreens<ConfirmContext>('confirm'),
      ask: async ({ context, citizenId, services, locale }) => {
        const pending = await services.assisted.pendingFor(citizenId, context.id);
        if (!pending) return choiceScreen([text('assisted.gone')], [{ label: text('common.menu'), value: 'menu' }], false);
        const params = { service: pick(pending.serviceName, locale), centre: pending.centreName };
        return choiceScreen(
          [pending.personName ? text('assisted.confirm_for', { ...params, person: pending.personName }) : text('assisted.confirm', params)],
          [
            { label: text('common.yes'), value: `yes:${pending.id}` },
            { label: text('common.no'), value: `no:${pending.id}` },
          ],
        );
      },
      confirmed: async ({ context, services, locale }) => {
        const request = await services.requests.findByReference(context.reference ?? '');
        const params = { service: request ? pick(request.serviceName, locale) : '', reference: formatReference(context.reference ?? '') };
        // The reference first: on USSD this screen ends the session on one page, and a paragraph without room is left out.
        return finalScreen([
          text('assisted.confirmed', params),
          ...(request?.personName ? [text('apply.review_for', { name: request.personName })] : []),
          text('apply.keep_reference'),
        ]);
      },
      declined: async () => finalScreen([text('assisted.declined')]),
      gone: async () => finalScreen([text('assisted.gone')]),
      failed: async () => finalScreen([text('common.try_later')]),
    },
  };
}
