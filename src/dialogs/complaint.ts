import { assign, fromPromise, setup } from 'xstate';
import { pick } from '../services/localized';
import { formatReference } from '../services/reference';
import { TO_MENU, type Caller, type Dialog, type DialogEvent, type DialogInput, type DialogOutput } from './dialog';
import { choiceScreen, finalScreen, text } from './screen';

/** The value of "something else" among the categories: a thread without one, routed by a person. */
const OTHER = '-';

/** What opening a thread from the menu led to: a reference and where the words are to be written, or a refusal. */
export type OpenedThread = { reference: string; writeBy: 'sms' | 'here' } | { refused: 'limit' };

/** A thread to open: who, in which language, about what and where, and whether anonymous. */
export type OpenThread = Caller & { locale: string; category?: string; municipality?: string; anonymous: boolean };

/** The desk's write, implemented at the composition root (services/threads.ts). */
export interface DeskEffects {
  /**
   * Opens a thread whose words come in the citizen's next message. `writeBy` says where:
   * `sms` when this conversation cannot take free text and an SMS was sent to reply to
   * (decided by the composition root, which knows the channels), `here` otherwise.
   */
  openThread(input: OpenThread): Promise<OpenedThread>;
}

interface ComplaintContext extends Caller {
  locale: string;
  category?: string;
  province?: string;
  municipality?: string;
  anonymous: boolean;
  opened?: OpenedThread;
  failed: boolean;
}

const chosen = ({ event }: { event: DialogEvent }) => (event.type === 'CHOOSE' ? event.value : undefined);

/**
 * "Complaint or question": the category and the place by number (free text is hard on a keypad),
 * whether the office may see the number, then a thread opened whose words the citizen sends in
 * their next message (by SMS after USSD; the conversation layer puts it in the thread).
 */
export function complaintDialog(effects: DeskEffects): Dialog<ComplaintContext> {
  const machine = setup({
    types: { context: {} as ComplaintContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
    actors: {
      open: fromPromise<OpenedThread, OpenThread>(({ input }) => effects.openThread(input)),
    },
  }).createMachine({
    id: 'complaint',
    initial: 'categories',
    context: ({ input }) => ({ citizenId: input.citizenId, address: input.address, channel: input.channel, locale: input.locale, anonymous: false, failed: false }),
    states: {
      categories: { on: { CHOOSE: { target: 'provinces', actions: assign({ category: chosen }) }, BACK: 'done' } },
      provinces: { on: { CHOOSE: { target: 'municipalities', actions: assign({ province: chosen }) }, BACK: 'categories' } },
      municipalities: { on: { CHOOSE: { target: 'anonymous', actions: assign({ municipality: chosen }) }, BACK: 'provinces' } },
      anonymous: {
        on: {
          CHOOSE: { guard: ({ event }) => event.value === 'shown' || event.value === 'anonymous', target: 'opening', actions: assign({ anonymous: ({ event }) => event.value === 'anonymous' }) },
          BACK: 'municipalities',
        },
      },
      opening: {
        tags: ['busy'],
        invoke: {
          id: 'open',
          src: 'open',
          input: ({ context }) => callerOf(context),
          onDone: { target: 'opened', actions: assign({ opened: ({ event }) => event.output }) },
          onError: { target: 'opened', actions: assign({ failed: true }) },
        },
      },
      opened: {},
      done: { type: 'final' },
    },
    output: () => TO_MENU,
  });

  return {
    name: 'complaint',
    version: 1,
    machine,
    screens: {
      categories: async ({ services, locale }) => {
        const categories = await services.catalog.categories();
        return choiceScreen(
          [text('desk:screen.categories')],
          [...categories.map((category) => ({ label: text('common.item', { name: pick(category.name, locale) }), value: category.code })), { label: text('desk:screen.other'), value: OTHER }],
        );
      },
      provinces: async ({ services }) => {
        const provinces = await services.catalog.provinces();
        return choiceScreen([text('desk:screen.provinces')], provinces.map((province) => ({ label: text('common.item', { name: province.name }), value: province.code })));
      },
      municipalities: async ({ context, services }) => {
        const places = await services.catalog.municipalitiesIn(context.province ?? '');
        return choiceScreen([text('desk:screen.municipalities')], places.map((place) => ({ label: text('common.item', { name: place.name }), value: place.code })));
      },
      anonymous: async () =>
        choiceScreen(
          [text('desk:screen.anonymous')],
          [
            { label: text('desk:screen.show_number'), value: 'shown' },
            { label: text('desk:screen.stay_anonymous'), value: 'anonymous' },
          ],
        ),
      opened: async ({ context }) => {
        const opened = context.opened;
        if (context.failed || !opened) return finalScreen([text('common.try_later')]);
        if ('refused' in opened) return finalScreen([text('desk:screen.limit')]);
        return finalScreen([text(opened.writeBy === 'sms' ? 'desk:screen.write_by_sms' : 'desk:screen.write_here', { reference: formatReference(opened.reference) })]);
      },
    },
  };
}

function callerOf(context: ComplaintContext): OpenThread {
  return {
    citizenId: context.citizenId,
    address: context.address,
    channel: context.channel,
    locale: context.locale,
    category: context.category === OTHER ? undefined : context.category,
    municipality: context.municipality,
    anonymous: context.anonymous,
  };
}
