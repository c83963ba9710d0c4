import { and, assign, fromPromise, setup } from 'xstate';
import type { FormField } from '../services/catalog-schema';
import { pick } from '../services/localized';
import { formatReference } from '../services/reference';
import { formDate } from '../text/dates';
import type { Caller, Dialog, DialogEffects, DialogEvent, DialogInput, DialogOutput, ScreenInput, TrustEffects } from './dialog';
import { personLabel } from './profiles';
import { proofActors, proofScreens, proofStates, type ProofContext } from './proof';
import { choiceScreen, finalScreen, questionScreen, text, type Screen } from './screen';

/**
 * Context stays small (it is persisted on every hop): the service code, where we are in the
 * form and the answers so far. The form itself is read from the catalog when drawn.
 */
export interface ApplyContext extends ProofContext {
  citizenId: number;
  channel: string;
  service: string;
  fieldCount: number;
  index: number;
  answers: string[];
  reference?: string;
  /** The phone holds family profiles, so the first step asks whom the request is for. */
  asksWho: boolean;
  /** The profile it is for; absent for the phone's own holder. */
  profileId?: number;
  /**
   * Answers given in an earlier network session, not shown (nor sent) until the phone is
   * proven by a code or they are typed again: their indexes, and WHO for whom it is for.
   */
  hidden: number[];
  /** Submit was pressed on these very answers, and the save failed: they may be sent again. */
  confirmed: boolean;
}

/** The `hidden` entry for the answer to "who is this request for?". */
const WHO = -1;

/** The `who` option for the phone's own holder. */
const SELF = 'self';

const answerOf = (event: DialogEvent) => (event.type === 'ANSWER' || event.type === 'CHOOSE' ? event.value : '');

/**
 * Submit a request: when the phone holds family profiles, whom it is for; then one screen per
 * form field, a review, a confirmation, and the reference. Version 2: the `who` step.
 * Version 3: a form taken up again in a new network session over a channel that does not
 * prove the phone (a USSD gateway's `phoneNumber` can be forged) hides the earlier answers on
 * its review and cannot be submitted until they are shown by a code texted to the phone, or
 * typed again. Answers whose Submit already failed may be sent again, still hidden: the
 * citizen confirmed them, and sending them shows nothing.
 */
export function applyDialog(effects: Pick<DialogEffects, 'loadForm' | 'submitRequest'> & Pick<TrustEffects, 'requestProof' | 'checkProof'>): Dialog<ApplyContext> {
  const machine = setup({
    types: { context: {} as ApplyContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
    actors: {
      loadForm: fromPromise<{ fieldCount: number; profileCount?: number }, { service: string; citizenId: number }>(({ input }) =>
        effects.loadForm(input.service, input.citizenId),
      ),
      submitRequest: fromPromise<{ reference: string }, Caller & { serviceCode: string; answers: string[]; profileId?: number }>(
        ({ input }) => effects.submitRequest(input),
      ),
      ...proofActors(effects),
    },
    actions: {
      recordAnswer: assign(({ context, event }) => {
        const answers = [...context.answers];
        answers[context.index] = answerOf(event);
        return { answers, index: context.index + 1, hidden: context.hidden.filter((index) => index !== context.index), confirmed: false };
      }),
      // Taken up in a new session the channel does not vouch for: what was answered before is hidden.
      hideEarlier: assign({
        hidden: ({ context, event }) =>
          event.type === 'RESUME' && !event.proven
            ? [...(context.profileId === undefined ? [] : [WHO]), ...context.answers.flatMap((answer, index) => (answer === undefined ? [] : [index]))]
            : context.hidden,
      }),
      showAll: assign({ hidden: [] }),
      restartForm: assign({ index: 0 }),
    },
    guards: {
      formComplete: ({ context }) => context.index >= context.fieldCount,
      onFirstField: ({ context }) => context.index === 0,
      asksWho: ({ context }) => context.asksWho,
    },
  }).createMachine({
    id: 'apply',
    initial: 'loading',
    context: ({ input }) => ({
      citizenId: input.citizenId,
      channel: input.channel,
      address: input.address,
      locale: input.locale,
      service: input.params.service ?? '',
      fieldCount: 0,
      index: 0,
      answers: [],
      asksWho: false,
      hidden: [],
      confirmed: false,
    }),
    on: { RESUME: { actions: 'hideEarlier' } },
    states: {
      loading: {
        tags: ['busy'],
        invoke: {
          id: 'loadForm',
          src: 'loadForm',
          input: ({ context }) => ({ service: context.service, citizenId: context.citizenId }),
          onDone: [
            {
              guard: ({ event }) => event.output.fieldCount > 0,
              target: 'firstStep',
              actions: assign({ fieldCount: ({ event }) => event.output.fieldCount, asksWho: ({ event }) => (event.output.profileCount ?? 0) > 0 }),
            },
            { target: 'unavailable' },
          ],
          onError: 'unavailable',
        },
      },
      firstStep: { always: [{ guard: 'asksWho', target: 'who' }, { target: 'field' }] },
      who: {
        tags: ['form'],
        on: {
          CHOOSE: {
            target: 'field',
            actions: assign({
              profileId: ({ event }) => (event.type === 'CHOOSE' && event.value !== SELF ? Number(event.value) : undefined),
              hidden: ({ context }) => context.hidden.filter((index) => index !== WHO),
              confirmed: false,
            }),
          },
          BACK: 'done',
        },
      },
      field: {
        tags: ['form'],
        on: {
          ANSWER: { target: 'nextField', actions: 'recordAnswer' },
          CHOOSE: { target: 'nextField', actions: 'recordAnswer' },
          BACK: [
            { guard: and(['onFirstField', 'asksWho']), target: 'who' },
            { guard: 'onFirstField', target: 'done' },
            { target: 'field', reenter: true, actions: assign({ index: ({ context }) => context.index - 1 }) },
          ],
        },
      },
      nextField: { always: [{ guard: 'formComplete', target: 'review' }, { target: 'field' }] },
      review: {
        tags: ['form'],
        on: {
          CHOOSE: [
            { guard: ({ context, event }) => event.value === 'confirm' && (context.hidden.length === 0 || context.confirmed), target: 'submitting' },
            { guard: ({ event }) => event.value === 'reveal', target: 'proofSending' },
            { guard: ({ event }) => event.value === 'edit', target: 'field', actions: 'restartForm' },
          ],
          BACK: { target: 'field', actions: assign({ index: ({ context }) => context.fieldCount - 1 }) },
        },
      },
      ...proofStates('resume', {
        proven: 'revealed',
        cancel: 'review',
        // Without a code, the way on is to type the answers again.
        outcome: { tags: ['form'], on: { CHOOSE: { target: 'field', actions: 'restartForm' as const }, BACK: 'review' } },
      }),
      revealed: { entry: 'showAll', always: 'review' },
      submitting: {
        entry: assign({ confirmed: true }),
        tags: ['busy'],
        invoke: {
          id: 'submitRequest',
          src: 'submitRequest',
          input: ({ context }) => ({
            citizenId: context.citizenId,
            address: context.address,
            channel: context.channel,
            serviceCode: context.service,
            answers: context.answers,
            profileId: context.profileId,
          }),
          onDone: { target: 'submitted', actions: assign({ reference: ({ event }) => event.output.reference }) },
          onError: 'failed',
        },
      },
      // Shown once; the engine starts afresh after a screen that ends the session.
      submitted: {},
      // Not saved: the answers are kept and the form is offered again on the next dial.
      failed: { tags: ['form'], on: { RESUME: { target: 'review', actions: 'hideEarlier' } } },
      unavailable: {},
      done: { type: 'final' },
    },
    output: ({ context }) => ({ next: 'browse', params: { service: context.service } }),
  });

  return {
    name: 'apply',
    version: 3,
    machine,
    // A form with at least one answer given (or a failed save) is offered back on the next dial.
    suspendable: (snapshot) => (snapshot.hasTag('form') && snapshot.context.answers.length > 0 ? { service: snapshot.context.service } : undefined),
    screens: {
      ...proofScreens<ApplyContext>('resume', [{ label: text('apply.edit'), value: 'edit' }]),
      who: async ({ citizenId, services }) => {
        const people = await services.profiles.list(citizenId);
        return choiceScreen(
          [text('apply.who')],
          [{ label: text('apply.who_self'), value: SELF }, ...people.map((profile) => ({ label: personLabel(profile), value: String(profile.id) }))],
        );
      },
      field: async (input) => fieldScreen(input, await formOf(input)),
      review: async (input) => {
        const { hidden, confirmed, answers, profileId } = input.context;
        const form = await formOf(input);
        const shown = (index: number, answer: string) => (hidden.includes(index) ? text('apply.hidden') : answer);
        const lines = form.map((field, index) =>
          text('apply.review_line', { label: pick(field.label, input.locale), answer: shown(index, displayAnswer(field, answers[index] ?? '', input.locale)) }),
        );
        const person = profileId === undefined ? undefined : await input.services.profiles.get(input.citizenId, profileId);
        const submit = { label: text('apply.confirm'), value: 'confirm' };
        const edit = { label: text('apply.edit'), value: 'edit' };
        if (hidden.length === 0) {
          return choiceScreen([text('apply.review'), ...(person ? [text('apply.review_for', { name: person.name })] : []), ...lines], [submit, edit]);
        }
        return choiceScreen(
          [text('apply.hidden_note'), ...(person ? [text('apply.review_for', { name: shown(WHO, person.name) })] : []), ...lines],
          [...(confirmed ? [submit] : []), { label: text('apply.reveal'), value: 'reveal' }, edit],
        );
      },
      submitted: async ({ context, citizenId, services, locale }) => {
        const service = await services.catalog.service(context.service);
        const params = { service: service ? pick(service.name, locale) : '', reference: formatReference(context.reference ?? '') };
        const person = context.profileId === undefined ? undefined : await services.profiles.get(citizenId, context.profileId);
        // The reference first: on USSD this screen ends the session on one page, and a paragraph without room is left out.
        return finalScreen([text('apply.submitted', params), ...(person ? [text('apply.review_for', { name: person.name })] : []), text('apply.keep_reference')]);
      },
      failed: async () => finalScreen([text('apply.failed')]),
      unavailable: async () => finalScreen([text('apply.unavailable')]),
    },
  };
}

async function formOf({ context, services }: ScreenInput<ApplyContext>): Promise<FormField[]> {
  return (await services.catalog.service(context.service))?.form ?? [];
}

/** The question for the current field, with the input the engine must check. */
function fieldScreen({ context, locale }: ScreenInput<ApplyContext>, form: FormField[]): Screen {
  const field = form[Math.min(context.index, form.length - 1)];
  const progress = text('apply.progress', { current: context.index + 1, total: form.length });
  const label = text('common.item', { name: pick(field.label, locale) });
  switch (field.type) {
    case 'choice':
      return choiceScreen(
        [progress, label],
        field.options.map((option) => ({ label: text('common.item', { name: pick(option.label, locale) }), value: option.value })),
      );
    case 'date':
      return questionScreen([progress, label, text('apply.date_hint')], { kind: 'date', range: field.range });
    case 'digits':
      return questionScreen([progress, label], { kind: 'digits', minLength: field.minLength, maxLength: field.maxLength });
    case 'text':
      return questionScreen([progress, label], { kind: 'text', minLength: field.minLength, maxLength: field.maxLength });
  }
}

/** A choice answer is shown by its label; a date as the question asked for it (DD-MM-YYYY); other answers as typed. */
function displayAnswer(field: FormField, answer: string, locale: string): string {
  if (field.type === 'date') return formDate(answer);
  if (field.type !== 'choice') return answer;
  const option = field.options.find((candidate) => candidate.value === answer);
  return option ? pick(option.label, locale) : answer;
}
