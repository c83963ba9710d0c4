import { assign, fromPromise, setup } from 'xstate';
import { SUPPORTED_LOCALES } from '../config';
import { TO_MENU, type Caller, type Dialog, type DialogEffects, type DialogEvent, type DialogInput, type DialogOutput } from './dialog';
import { choiceScreen, text } from './screen';

interface LanguageContext extends Caller {
  locale?: string;
}

/** Language choice; remembered for the citizen on every channel. */
export function languageDialog(effects: Pick<DialogEffects, 'saveLanguage'>): Dialog<LanguageContext> {
  const machine = setup({
    types: { context: {} as LanguageContext, input: {} as DialogInput, events: {} as DialogEvent, output: {} as DialogOutput },
    actors: {
      saveLanguage: fromPromise<void, Caller & { locale: string }>(({ input }) => effects.saveLanguage(input)),
    },
    guards: {
      isSupported: ({ event }) => event.type === 'CHOOSE' && (SUPPORTED_LOCALES as readonly string[]).includes(event.value),
    },
  }).createMachine({
    id: 'language',
    initial: 'choose',
    context: ({ input }) => ({ citizenId: input.citizenId, address: input.address, channel: input.channel }),
    states: {
      choose: {
        on: {
          CHOOSE: { guard: 'isSupported', target: 'saving', actions: assign({ locale: ({ event }) => (event as { value: string }).value }) },
          BACK: 'cancelled',
        },
      },
      saving: {
        tags: ['busy'],
        invoke: {
          id: 'saveLanguage',
          src: 'saveLanguage',
          input: ({ context }) => ({ citizenId: context.citizenId, address: context.address, channel: context.channel, locale: context.locale ?? 'en' }),
          onDone: 'saved',
          onError: 'saved',
        },
      },
      saved: { type: 'final' },
      cancelled: { type: 'final' },
    },
    output: ({ context }) => (context.locale ? { next: 'menu', locale: context.locale } : TO_MENU),
  });

  return {
    name: 'language',
    version: 2,
    machine,
    screens: {
      choose: async ({ services }) =>
        choiceScreen(
          [text('language.title')],
          (services.languages ?? SUPPORTED_LOCALES).map((locale) => ({ label: text(`language.name_${locale}`), value: locale })),
        ),
    },
  };
}
