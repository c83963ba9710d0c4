import { assign, fromPromise, setup } from 'xstate';
import { NAME_LENGTH, ProfileError, RELATIONSHIPS, type Profile } from '../services/profiles';
import { TO_MENU, type Caller, type Dialog, type DialogEvent, type DialogInput, type DialogOutput, type TrustEffects } from './dialog';
import { choiceScreen, finalScreen, questionScreen, text, type Text } from './screen';

/**
 * Family members: the people who share this phone. Requests can then be made for one of them,
 * "my requests" groups by person, and status updates name the person. A person is added with
 * a name and a relationship, and can be removed (their requests stay).
 */
interface ProfilesContext extends Caller {
  /** The person chosen from the list. */
  profileId?: number;
  name?: string;
  relationship?: string;
  /** Why adding failed: the phone is full, or the name is already on it. */
  problem?: 'full' | 'duplicate' | 'failed';
}

/** A person as listed: "Amina (daughter)". */
export function personLabel(profile: Pick<Profile, 'name' | 'relationship'>): Text {
  return text('profiles.person', { name: profile.name, relationship: text(`profiles.rel_${profile.relationship}`) });
}

const chosen = ({ event }: { event: DialogEvent }) => (event.type === 'CHOOSE' || event.type === 'ANSWER' ? event.value : undefined);

export function profilesDialog(effects: Pick<TrustEffects, 'addProfile' | 'removeProfile'>): Dialog<ProfilesContext> {
  const machine = setup({
    types: { context: {} as ProfilesContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
    actors: {
      addProfile: fromPromise<{ id: number }, Caller & { name: string; relationship: string }>(({ input }) => effects.addProfile(input)),
      removeProfile: fromPromise<boolean, { citizenId: number; profileId: number }>(({ input }) => effects.removeProfile(input)),
    },
  }).createMachine({
    id: 'profiles',
    initial: 'list',
    context: ({ input }) => ({ citizenId: input.citizenId, address: input.address, channel: input.channel }),
    states: {
      list: {
        on: {
          CHOOSE: [
            { guard: ({ event }) => event.value === 'add', target: 'name', actions: assign({ name: undefined, relationship: undefined, problem: undefined }) },
            { target: 'person', actions: assign({ profileId: ({ event }) => Number(chosen({ event })) }) },
          ],
          BACK: 'done',
        },
      },
      name: { on: { ANSWER: { target: 'relationship', actions: assign({ name: chosen }) }, BACK: 'list' } },
      relationship: { on: { CHOOSE: { target: 'adding', actions: assign({ relationship: chosen }) }, BACK: 'name' } },
      adding: {
        tags: ['busy'],
        invoke: {
          id: 'addProfile',
          src: 'addProfile',
          input: ({ context }) => ({
            citizenId: context.citizenId,
            address: context.address,
            channel: context.channel,
            name: context.name ?? '',
            relationship: context.relationship ?? '',
          }),
          onDone: 'added',
          onError: {
            target: 'notAdded',
            actions: assign({
              problem: ({ event }) => (event.error instanceof ProfileError && event.error.reason !== 'invalid' ? event.error.reason : 'failed'),
            }),
          },
        },
      },
      added: { on: { CHOOSE: 'list', BACK: 'list' } },
      notAdded: { on: { CHOOSE: 'list', BACK: 'list' } },
      person: {
        on: {
          CHOOSE: { guard: ({ event }) => event.value === 'remove', target: 'confirmRemove' },
          BACK: 'list',
        },
      },
      confirmRemove: {
        on: {
          CHOOSE: [{ guard: ({ event }) => event.value === 'yes', target: 'removing' }, { target: 'person' }],
          BACK: 'person',
        },
      },
      removing: {
        tags: ['busy'],
        invoke: {
          id: 'removeProfile',
          src: 'removeProfile',
          input: ({ context }) => ({ citizenId: context.citizenId, profileId: context.profileId ?? 0 }),
          onDone: 'removed',
          onError: 'failed',
        },
      },
      removed: { on: { CHOOSE: 'list', BACK: 'list' } },
      failed: {},
      done: { type: 'final' },
    },
    output: () => TO_MENU,
  });

  const toList = [{ label: text('profiles.back_to_list'), value: 'list' }];

  return {
    name: 'profiles',
    version: 2,
    machine,
    screens: {
      list: async ({ citizenId, services }) => {
        const people = await services.profiles.list(citizenId);
        return choiceScreen(
          [text(people.length === 0 ? 'profiles.none' : 'profiles.title')],
          [...people.map((profile) => ({ label: personLabel(profile), value: String(profile.id) })), { label: text('profiles.add'), value: 'add' }],
        );
      },
      name: async () => questionScreen([text('profiles.ask_name')], { kind: 'text', minLength: NAME_LENGTH.min, maxLength: NAME_LENGTH.max }),
      relationship: async ({ context }) =>
        choiceScreen(
          [text('profiles.ask_relationship', { name: context.name ?? '' })],
          RELATIONSHIPS.map((relationship) => ({ label: text(`profiles.rel_${relationship}`), value: relationship })),
        ),
      added: async ({ context }) =>
        choiceScreen([text('profiles.added', { person: personLabel({ name: context.name ?? '', relationship: (context.relationship ?? 'other') as Profile['relationship'] }) })], toList),
      notAdded: async ({ context }) => choiceScreen([text(context.problem === 'failed' ? 'common.try_later' : `profiles.${context.problem ?? 'full'}`)], toList),
      person: async ({ context, citizenId, services }) => {
        const profile = await services.profiles.get(citizenId, context.profileId ?? 0);
        if (!profile) return choiceScreen([text('profiles.missing')], []);
        return choiceScreen([personLabel(profile)], [{ label: text('profiles.remove'), value: 'remove' }]);
      },
      confirmRemove: async ({ context, citizenId, services }) => {
        const profile = await services.profiles.get(citizenId, context.profileId ?? 0);
        return choiceScreen(
          [text('profiles.confirm_remove', { name: profile?.name ?? '' })],
          [
            { label: text('common.yes'), value: 'yes' },
            { label: text('common.no'), value: 'no' },
          ],
        );
      },
      removed: async () => choiceScreen([text('profiles.removed')], toList),
      failed: async () => finalScreen([text('common.try_later')]),
    },
  };
}
