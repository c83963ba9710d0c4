import { and, assign, fromPromise, setup } from 'xstate';
import type { FormField } from '../services/catalog-schema';
import { pick } from '../services/localized';
import { formatReference } from '../services/reference';
import type { Dialog, DialogEffects, DialogEvent, DialogInput, DialogOutput, ScreenInput } from './dialog';
import { personLabel } from './profiles';
import { choiceScreen, finalScreen, questionScreen, text, type Screen } from './screen';

/**
 * Context stays small (it is persisted on every hop): the service code, where we are in the
 * form and the answers so far. The form itself is read from the catalog when drawn.
 */
export interface ApplyContext {
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
}

/** The `who` option for the phone's own holder. */
const SELF = 'self';

const answerOf = (event: DialogEvent) => (event.type === 'ANSWER' || event.type === 'CHOOSE' ? event.value : '');

/**
 * Submit a request: when the phone holds family profiles, whom it is for; then one screen per
 * form field, a review, a confirmation, and the reference. Version 2: the `who` step.
 */
export function applyDialog(effects: Pick<DialogEffects, 'loadForm' | 'submitRequest'>): Dialog<ApplyContext> {
  const machine = setup({
    types: { context: {} as ApplyContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
    actors: {
      loadForm: fromPromise<{ fieldCount: number; profileCount?: number }, { service: string; citizenId: number }>(({ input }) =>
        effects.loadForm(input.service, input.citizenId),
      ),
      submitRequest: fromPromise<{ reference: string }, { citizenId: number; channel: string; serviceCode: string; answers: string[]; profileId?: number }>(
        ({ input }) => effects.submitRequest(input),
      ),
    },
    actions: {
      recordAnswer: assign(({ context, event }) => {
        const answers = [...context.answers];
        answers[context.index] = answerOf(event);
        return { answers, index: context.index + 1 };
      }),
    },
    guards: {
      formComplete: ({ context }) => context.index >= context.fieldCount,
      onFirstField: ({ context }) => context.index === 0,
      asksWho: ({ context }) => context.asksWho,
    },
  }).createMachine({
    id: 'apply',
    initial: 'loading',
    context: ({ input }) => ({ citizenId: input.citizenId, channel: input.channel, service: input.params.service ?? '', fieldCount: 0, index: 0, answers: [], asksWho: false }),
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
            actions: assign({ profileId: ({ event }) => (event.type === 'CHOOSE' && event.value !== SELF ? Number(event.value) : undefined) }),
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
            { guard: ({ event }) => event.value === 'confirm', target: 'submitting' },
            { guard: ({ event }) => event.value === 'edit', target: 'field', actions: assign({ index: 0 }) },
          ],
          BACK: { target: 'field', actions: assign({ index: ({ context }) => context.fieldCount - 1 }) },
        },
      },
      submitting: {
        tags: ['busy'],
        invoke: {
          id: 'submitRequest',
          src: 'submitRequest',
          input: ({ context }) => ({
            citizenId: context.citizenId,
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
      failed: { tags: ['form'], on: { RESUME: 'review' } },
      unavailable: {},
      done: { type: 'final' },
    },
    output: ({ context }) => ({ next: 'browse', params: { service: context.service } }),
  });

  return {
    name: 'apply',
    version: 2,
    machine,
    screens: {
      who: async ({ citizenId, services }) => {
        const people = await services.profiles.list(citizenId);
        return choiceScreen(
          [text('apply.who')],
          [{ label: text('apply.who_self'), value: SELF }, ...people.map((profile) => ({ label: personLabel(profile), value: String(profile.id) }))],
        );
      },
      field: async (input) => fieldScreen(input, await formOf(input)),
      review: async (input) => {
        const form = await formOf(input);
        const lines = form.map((field, index) =>
          text('apply.review_line', { label: pick(field.label, input.locale), answer: displayAnswer(field, input.context.answers[index] ?? '', input.locale) }),
        );
        const person = input.context.profileId === undefined ? undefined : await input.services.profiles.get(input.citizenId, input.context.profileId);
        return choiceScreen([text('apply.review'), ...(person ? [text('apply.review_for', { name: person.name })] : []), ...lines], [
          { label: text('apply.confirm'), value: 'confirm' },
          { label: text('apply.edit'), value: 'edit' },
        ]);
      },
      submitted: async ({ context, citizenId, services, locale }) => {
        const service = await services.catalog.service(context.service);
        const params = { service: service ? pick(service.name, locale) : '', reference: formatReference(context.reference ?? '') };
        const person = context.profileId === undefined ? undefined : await services.profiles.get(citizenId, context.profileId);
        return finalScreen([
          person ? text('apply.submitted_for', { ...params, person: person.name }) : text('apply.submitted', params),
          text('apply.keep_reference'),
        ]);
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

/** A choice answer is shown by its label; other answers as typed (dates as YYYY-MM-DD). */
function displayAnswer(field: FormField, answer: string, locale: string): string {
  if (field.type !== 'choice') return answer;
  const option = field.options.find((candidate) => candidate.value === answer);
  return option ? pick(option.label, locale) : answer;
}
