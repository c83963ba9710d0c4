import { assign, setup } from 'xstate';
import { pick } from '../services/localized';
import { formatReference } from '../services/reference';
import type { PersonFilter, RequestSummary } from '../services/requests';
import type { Dialog, DialogEvent, DialogInput, DialogName, DialogOutput } from './dialog';
import { personLabel } from './profiles';
import { choiceScreen, text, type Option, type Text } from './screen';
import { readableDay } from '../text/dates';

interface RequestsContext {
  reference?: string;
  /** The person chosen on a shared phone: `self`, or a profile's id. */
  person?: string;
  next: DialogName;
}

/** Option values: a person to list, the family members dialog. */
const PERSON = 'person:';
const FAMILY = 'family';
const SELF = 'self';

const machine = setup({
  types: { context: {} as RequestsContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
  guards: {
    isFamily: ({ event }) => event.type === 'CHOOSE' && event.value === FAMILY,
    isPerson: ({ event }) => event.type === 'CHOOSE' && event.value.startsWith(PERSON),
    choseAPerson: ({ context }) => context.person !== undefined,
  },
}).createMachine({
  id: 'requests',
  initial: 'list',
  context: { next: 'menu' },
  states: {
    list: {
      on: {
        CHOOSE: [
          { guard: 'isFamily', target: 'done', actions: assign({ next: 'profiles' }) },
          { guard: 'isPerson', target: 'person', actions: assign({ person: ({ event }) => (event.type === 'CHOOSE' ? event.value.slice(PERSON.length) : undefined) }) },
          { target: 'detail', actions: assign({ reference: ({ event }) => (event.type === 'CHOOSE' ? event.value : undefined) }) },
        ],
        BACK: 'done',
      },
    },
    person: {
      on: {
        CHOOSE: { target: 'detail', actions: assign({ reference: ({ event }) => (event.type === 'CHOOSE' ? event.value : undefined) }) },
        BACK: { target: 'list', actions: assign({ person: undefined }) },
      },
    },
    detail: { on: { BACK: [{ guard: 'choseAPerson', target: 'person' }, { target: 'list' }], CHOOSE: 'done' } },
    done: { type: 'final' },
  },
  output: ({ context }) => ({ next: context.next }),
});

/** A status as the citizen reads it; unknown (ministry-defined) statuses show their code. */
export function statusText(status: string): Text {
  return text(`statuses.${status}`, { defaultValue: status.replace(/_/g, ' ') });
}

const requestOption = (request: RequestSummary, locale: string): Option => ({
  label: text('requests.item', { reference: formatReference(request.reference), service: pick(request.serviceName, locale) }),
  value: request.reference,
});

const familyOption: Option = { label: text('requests.family'), value: FAMILY };

/** The person filter a `person` value stands for. */
const filterOf = (person: string | undefined): PersonFilter => (person === undefined ? undefined : person === SELF ? null : Number(person));

/**
 * My requests: the ones filed from this phone (or linked account), newest first. On a phone
 * shared by a family (it holds profiles) they are grouped by person: first whom, then theirs.
 * Family members are managed from here. Version 2: grouping by person.
 */
export const requestsDialog: Dialog<RequestsContext> = {
  name: 'requests',
  version: 2,
  machine,
  screens: {
    list: async ({ citizenId, services, locale }) => {
      const people = await services.profiles.people(citizenId);
      if (people.length > 0) {
        return choiceScreen(
          [text('requests.whose')],
          [
            ...people.map((person) => ({
              label: text('requests.person_count', {
                person: person.profile ? personLabel(person.profile) : text('requests.me'),
                count: person.requests,
              }),
              value: `${PERSON}${person.profile ? person.profile.id : SELF}`,
            })),
            familyOption,
          ],
        );
      }
      const requests = await services.requests.listFor(citizenId, 20);
      if (requests.length === 0) return choiceScreen([text('requests.none')], [familyOption]);
      return choiceScreen([text('requests.title')], [...requests.map((request) => requestOption(request, locale)), familyOption]);
    },
    person: async ({ context, citizenId, services, locale }) => {
      const filter = filterOf(context.person);
      const requests = await services.requests.listFor(citizenId, 20, filter);
      const profile = typeof filter === 'number' ? await services.profiles.get(citizenId, filter) : undefined;
      const title = profile ? text('requests.title_for', { name: profile.name }) : text('requests.title');
      if (requests.length === 0) return choiceScreen([title, text('requests.none_for')], []);
      return choiceScreen([title], requests.map((request) => requestOption(request, locale)));
    },
    detail: async ({ context, citizenId, services, locale }) => {
      const request = await services.requests.findByReference(context.reference ?? '');
      // The list only offers the citizen's own requests; anything else is treated as not found.
      if (!request || request.citizenId !== citizenId) return choiceScreen([text('status.not_found')], []);
      return choiceScreen(
        [
          text('requests.reference', { reference: formatReference(request.reference) }),
          text('common.item', { name: pick(request.serviceName, locale) }),
          ...(request.personName ? [text('requests.for', { name: request.personName })] : []),
          text('requests.status', { status: statusText(request.status) }),
          text('requests.updated', { date: readableDay(request.updatedAt, locale, services.timeZone) }),
        ],
        [{ label: text('common.menu'), value: 'menu' }],
      );
    },
  },
};
