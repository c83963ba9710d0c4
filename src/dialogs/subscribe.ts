import { assign, fromPromise, setup } from 'xstate';
import { pick } from '../services/localized';
import { TO_MENU, type Caller, type Dialog, type DialogEffects, type DialogEvent, type DialogInput, type DialogOutput } from './dialog';
import { choiceScreen, finalScreen, text } from './screen';

interface SubscribeContext extends Caller {
  topic?: string;
  province?: string;
  municipality?: string;
  failed: boolean;
}

type Change = Caller & { topic: string; municipality: string };

const chosen = ({ event }: { event: DialogEvent }) => (event.type === 'CHOOSE' ? event.value : undefined);
/** Unsubscribe options carry "topic|municipality". */
const SEPARATOR = '|';

/** Announcements: follow a topic for a municipality, or stop following one. */
export function subscribeDialog(effects: Pick<DialogEffects, 'subscribe' | 'unsubscribe'>): Dialog<SubscribeContext> {
  const changeInput = ({ context }: { context: SubscribeContext }): Change => ({
    citizenId: context.citizenId,
    address: context.address,
    channel: context.channel,
    topic: context.topic ?? '',
    municipality: context.municipality ?? '',
  });
  const machine = setup({
    types: { context: {} as SubscribeContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
    actors: {
      subscribe: fromPromise<void, Change>(({ input }) => effects.subscribe(input)),
      unsubscribe: fromPromise<void, Change>(({ input }) => effects.unsubscribe(input)),
    },
  }).createMachine({
    id: 'subscribe',
    initial: 'overview',
    context: ({ input }) => ({ citizenId: input.citizenId, address: input.address, channel: input.channel, failed: false }),
    states: {
      overview: {
        on: {
          CHOOSE: [{ guard: ({ event }) => event.value === 'add', target: 'topics' }, { guard: ({ event }) => event.value === 'remove', target: 'remove' }],
          BACK: 'done',
        },
      },
      topics: { on: { CHOOSE: { target: 'provinces', actions: assign({ topic: chosen }) }, BACK: 'overview' } },
      provinces: { on: { CHOOSE: { target: 'municipalities', actions: assign({ province: chosen }) }, BACK: 'topics' } },
      municipalities: { on: { CHOOSE: { target: 'subscribing', actions: assign({ municipality: chosen }) }, BACK: 'provinces' } },
      subscribing: {
        tags: ['busy'],
        invoke: { id: 'subscribe', src: 'subscribe', input: changeInput, onDone: 'subscribed', onError: { target: 'subscribed', actions: assign({ failed: true }) } },
      },
      // Screens that end the session are ordinary states: the engine starts afresh after them.
      subscribed: {},
      remove: {
        on: {
          CHOOSE: {
            target: 'unsubscribing',
            actions: assign(({ event }) => {
              const [topic, municipality] = (event.type === 'CHOOSE' ? event.value : '').split(SEPARATOR);
              return { topic, municipality };
            }),
          },
          BACK: 'overview',
        },
      },
      unsubscribing: {
        tags: ['busy'],
        invoke: { id: 'unsubscribe', src: 'unsubscribe', input: changeInput, onDone: 'unsubscribed', onError: { target: 'unsubscribed', actions: assign({ failed: true }) } },
      },
      unsubscribed: {},
      done: { type: 'final' },
    },
    output: () => TO_MENU,
  });

  return {
    name: 'subscribe',
    version: 2,
    machine,
    screens: {
      overview: async ({ citizenId, services }) => {
        const current = await services.subscriptions.listFor(citizenId);
        const options = [{ label: text('subscribe.add'), value: 'add' }];
        if (current.length > 0) options.push({ label: text('subscribe.remove'), value: 'remove' });
        return choiceScreen([text('subscribe.overview', { count: current.length })], options);
      },
      topics: async ({ services, locale }) => {
        const topics = await services.catalog.topics();
        return choiceScreen(
          [text('subscribe.topics')],
          topics.map((topic) => ({ label: text('common.item', { name: pick(topic.name, locale) }), value: topic.code })),
        );
      },
      provinces: async ({ services }) => {
        const provinces = await services.catalog.provinces();
        return choiceScreen(
          [text('subscribe.provinces')],
          provinces.map((province) => ({ label: text('common.item', { name: province.name }), value: province.code })),
        );
      },
      municipalities: async ({ context, services }) => {
        const places = await services.catalog.municipalitiesIn(context.province ?? '');
        return choiceScreen(
          [text('subscribe.municipalities')],
          places.map((place) => ({ label: text('common.item', { name: place.name }), value: place.code })),
        );
      },
      subscribed: async ({ context, services, locale }) => {
        if (context.failed) return finalScreen([text('common.try_later')]);
        const [topic, place] = await Promise.all([services.catalog.topic(context.topic ?? ''), services.catalog.municipality(context.municipality ?? '')]);
        return finalScreen([text('subscribe.subscribed', { topic: topic ? pick(topic.name, locale) : '', place: place?.name ?? '' })]);
      },
      remove: async ({ citizenId, services, locale }) => {
        const [current, topics] = await Promise.all([services.subscriptions.listFor(citizenId), services.catalog.topics()]);
        const places = await Promise.all(current.map((item) => services.catalog.municipality(item.municipalityCode)));
        const topicName = (code: string) => {
          const topic = topics.find((candidate) => candidate.code === code);
          return topic ? pick(topic.name, locale) : code;
        };
        return choiceScreen(
          [text('subscribe.which')],
          current.map((item, index) => ({
            label: text('subscribe.item', { topic: topicName(item.topicCode), place: places[index]?.name ?? item.municipalityCode }),
            value: `${item.topicCode}${SEPARATOR}${item.municipalityCode}`,
          })),
        );
      },
      unsubscribed: async ({ context }) => finalScreen([text(context.failed ? 'common.try_later' : 'subscribe.unsubscribed')]),
    },
  };
}
