import { assign, fromPromise, setup } from 'xstate';
import type { FormField } from '../services/catalog-schema';
import { pick } from '../services/localized';
import { formatReference } from '../services/reference';
import type { Dialog, DialogEffects, DialogEvent, DialogInput, DialogOutput, ScreenInput } from './dialog';
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
}

const answerOf = (event: DialogEvent) => (event.type === 'ANSWER' || event.type === 'CHOOSE' ? event.value : '');

/** Submit a request: one screen per form field, a review, a confirmation, then the reference. */
export function applyDialog(effects: Pick<DialogEffects, 'loadForm' | 'submitRequest'>): Dialog<ApplyContext> {
  const machine = setup({
    types: { context: {} as ApplyContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
    actors: {
      loadForm: fromPromise<{ fieldCount: number }, { service: string }>(({ input }) => effects.loadForm(input.service)),
      submitRequest: fromPromise<{ reference: string }, { citizenId: number; channel: string; serviceCode: string; answers: string[] }>(({ input }) =>
        effects.submitRequest(input),
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
    },
  }).createMachine({
    id: 'apply',
    initial: 'loading',
    context: ({ input }) => ({ citizenId: input.citizenId, channel: input.channel, service: input.params.service ?? '', fieldCount: 0, index: 0, answers: [] }),
    states: {
      loading: {
        tags: ['busy'],
        invoke: {
          id: 'loadForm',
          src: 'loadForm',
          input: ({ context }) => ({ service: context.service }),
          onDone: [
            { guard: ({ event }) => event.output.fieldCount > 0, target: 'field', actions: assign({ fieldCount: ({ event }) => event.output.fieldCount }) },
            { target: 'unavailable' },
          ],
          onError: 'unavailable',
        },
      },
      field: {
        tags: ['form'],
        on: {
          ANSWER: { target: 'nextField', actions: 'recordAnswer' },
          CHOOSE: { target: 'nextField', actions: 'recordAnswer' },
          BACK: [{ guard: 'onFirstField', target: 'done' }, { target: 'field', reenter: true, actions: assign({ index: ({ context }) => context.index - 1 }) }],
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
          input: ({ context }) => ({ citizenId: context.citizenId, channel: context.channel, serviceCode: context.service, answers: context.answers }),
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
    version: 1,
    machine,
    screens: {
      field: async (input) => fieldScreen(input, await formOf(input)),
      review: async (input) => {
        const form = await formOf(input);
        const lines = form.map((field, index) =>
          text('apply.review_line', { label: pick(field.label, input.locale), answer: displayAnswer(field, input.context.answers[index] ?? '', input.locale) }),
        );
        return choiceScreen([text('apply.review'), ...lines], [
          { label: text('apply.confirm'), value: 'confirm' },
          { label: text('apply.edit'), value: 'edit' },
        ]);
      },
      submitted: async ({ context, services, locale }) => {
        const service = await services.catalog.service(context.service);
        return finalScreen([
          text('apply.submitted', { service: service ? pick(service.name, locale) : '', reference: formatReference(context.reference ?? '') }),
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
