import { fromPromise } from 'xstate';
import type { ProofCheck, ProofIssue, ProofPurpose } from '../services/phone-proof';
import type { DialogEvent, ScreenBuilder, TrustEffects } from './dialog';
import { choiceScreen, finalScreen, questionScreen, text, type Option, type Screen } from './screen';

/**
 * Proving the phone inside a dialog, before an act that needs it (src/services/phone-proof.ts):
 * "We sent a code by SMS to this phone. Type it"; a wrong code asks again while tries remain
 * (the service counts them, so a new dial does not reset them); an expired code, too many
 * tries, or no way to send an SMS end the step politely, saying how else it can be done. A dialog spreads these actors, states and screens into its own and
 * names where the step leads: `proven` on the right code, `cancel` on 0.
 */

/** What a dialog's context holds for the step: where the code goes, and in which language. */
export interface ProofContext {
  address: string;
  locale: string;
}

/** The two effects of the step, as actors for a dialog's `setup`. */
export function proofActors(effects: Pick<TrustEffects, 'requestProof' | 'checkProof'>) {
  return {
    requestProof: fromPromise<ProofIssue, { address: string; purpose: ProofPurpose; locale: string }>(({ input }) => effects.requestProof(input)),
    checkProof: fromPromise<ProofCheck, { address: string; purpose: ProofPurpose; code: string }>(({ input }) => effects.checkProof(input)),
  };
}

/** A code is six digits (the engine checks what is typed before the dialog sees it). */
const CODE = { kind: 'digits', minLength: 6, maxLength: 6 } as const;

const typed = (event: DialogEvent) => (event.type === 'ANSWER' ? event.value : '');

/**
 * The step's states. `outcome` is merged into the states that end it without proof (a final
 * screen unless it gives ways on); `failed` is the dialog's own state for an effect that failed.
 */
export function proofStates(purpose: ProofPurpose, then: { proven: string; cancel: string; outcome?: { tags?: string[]; on?: Record<string, unknown> } }) {
  const outcome = then.outcome ?? {};
  return {
    proofSending: {
      tags: ['busy'],
      invoke: {
        id: 'requestProof',
        src: 'requestProof' as const,
        input: ({ context }: { context: ProofContext }) => ({ address: context.address, purpose, locale: context.locale }),
        onDone: [
          { guard: ({ event }: { event: { output: ProofIssue } }) => event.output === 'sent', target: 'proofCode' },
          { guard: ({ event }: { event: { output: ProofIssue } }) => event.output === 'locked', target: 'proofLocked' },
          { target: 'proofBySms' },
        ],
        onError: 'failed',
      },
    },
    proofCode: { tags: outcome.tags, on: { ANSWER: 'proofChecking', BACK: then.cancel } },
    // After a wrong code, while tries remain: the same question, saying so.
    proofRetry: { tags: outcome.tags, on: { ANSWER: 'proofChecking', BACK: then.cancel } },
    proofChecking: {
      tags: ['busy'],
      invoke: {
        id: 'checkProof',
        src: 'checkProof' as const,
        input: ({ context, event }: { context: ProofContext; event: DialogEvent }) => ({ address: context.address, purpose, code: typed(event) }),
        onDone: [
          { guard: ({ event }: { event: { output: ProofCheck } }) => event.output.kind === 'proven', target: then.proven },
          { guard: ({ event }: { event: { output: ProofCheck } }) => event.output.kind === 'wrong', target: 'proofRetry' },
          { guard: ({ event }: { event: { output: ProofCheck } }) => event.output.kind === 'expired', target: 'proofExpired' },
          { target: 'proofLocked' },
        ],
        onError: 'failed',
      },
    },
    proofBySms: { ...outcome },
    proofExpired: { ...outcome },
    proofLocked: { ...outcome },
  };
}

/**
 * The step's screens. With `ways`, the screens that end the step offer them (and 0 back);
 * without, they end the session.
 */
export function proofScreens<C extends ProofContext>(purpose: ProofPurpose, ways?: Option[]): Record<string, ScreenBuilder<C>> {
  const ending = (body: Screen['body']) => (ways ? choiceScreen(body, ways) : finalScreen(body));
  return {
    proofCode: async () => questionScreen([text('proof.sent')], CODE),
    proofRetry: async () => questionScreen([text('proof.wrong')], CODE),
    proofBySms: async () => ending([text(`proof.by_sms_${purpose}`)]),
    proofExpired: async () => ending([text('proof.expired')]),
    proofLocked: async () => ending([text('proof.locked')]),
  };
}
