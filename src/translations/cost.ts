import type { i18n } from 'i18next';
import { resolveScreen } from '../i18n';
import { SUPPORTED_LOCALES } from '../config';
import { MENU_ENTRIES } from '../dialogs/menu';
import { choiceScreen, finalScreen, text, type Screen } from '../dialogs/screen';
import { layoutSms } from '../text/sms-layout';
import { smsSize } from '../text/segments';
import { counted } from './budget';
import { namespaceOf, type Texts } from './locales';

/**
 * What texting costs in each language, as citizens receive it (drafts hidden or shown as the
 * locale says, fallbacks in place): the share of SMS texts that go out in GSM-7 (160 a part)
 * rather than UCS-2 (70), their parts, and the parts of a few screens every SMS citizen meets.
 */
export interface LocaleCost {
  locale: string;
  texts: number;
  gsm7: number;
  ucs2: number;
  /** Most parts any one SMS text takes (placeholders left out). */
  maxParts: number;
  /** Parts of each sample screen laid out as an SMS reply. */
  screens: Record<string, number>;
}

/** Screens every SMS citizen meets, drawn as their dialogs draw them. */
const SAMPLE_SCREENS: Record<string, Screen> = {
  menu: choiceScreen([text('menu.title')], MENU_ENTRIES.map((entry) => ({ label: text(`menu.${entry}`), value: entry })), false),
  language: choiceScreen([text('language.title')], SUPPORTED_LOCALES.map((locale) => ({ label: text(`language.name_${locale}`), value: locale }))),
  help: finalScreen([text('help.body'), text('help.contact')]),
};

export function smsCost(i18n: i18n, locales: readonly string[], english: Texts): LocaleCost[] {
  const keys = [...english.keys()].filter((key) => ['sms', 'notifications'].includes(namespaceOf(key)) && !key.startsWith('sms:keywords.') && key !== 'sms:language_names');
  return locales.map((locale) => {
    const sizes = keys.map((key) => smsSize(counted(i18n.t(key, { lng: locale, skipInterpolation: true }))));
    const screens = Object.fromEntries(
      Object.entries(SAMPLE_SCREENS).map(([name, screen]) => {
        const pages = layoutSms(resolveScreen(i18n, locale, screen), {
          maxSegments: 10,
          hints: { choice: i18n.t('sms:hint.choice', { lng: locale }), final: i18n.t('sms:hint.final', { lng: locale }) },
        });
        return [name, pages.reduce((sum, page) => sum + page.segments, 0)];
      }),
    );
    return {
      locale,
      texts: sizes.length,
      gsm7: sizes.filter((size) => size.encoding === 'gsm7').length,
      ucs2: sizes.filter((size) => size.encoding === 'ucs2').length,
      maxParts: Math.max(...sizes.map((size) => size.segments)),
      screens,
    };
  });
}
