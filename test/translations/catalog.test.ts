import { readFileSync } from 'node:fs';
import { createI18n, resolveScreen, shippedLocales } from '../../src/i18n';
import { createDialogs } from '../../src/dialogs';
import type { ScreenServices } from '../../src/dialogs/dialog';
import { CatalogService } from '../../src/services/catalog';
import { loadSampleCatalogIfEmpty, localized, parseCatalog, SAMPLE_CATALOG_PATH } from '../../src/services/catalog-import';
import { localizedText } from '../../src/services/catalog-schema';
import { pick } from '../../src/services/localized';
import type { LocalizedTextInput as LocalizedText } from '../../src/services/catalog-schema';
import { migrate } from '../../src/store/migrate';
import { PgliteDatabase } from '../../src/store/pglite';

/**
 * The sample catalog in every shipped language: each text a citizen reads of a service (name,
 * requirements, fee time, office, form labels and options), a category or a topic is written in
 * every complete locale (en, fil, bn); the region's languages read their fallback's.
 */
const complete = shippedLocales().filter((locale) => locale.manifest.complete).map((locale) => locale.code);

describe('the sample catalog', () => {
  const catalog = parseCatalog(readFileSync(SAMPLE_CATALOG_PATH, 'utf8'), SAMPLE_CATALOG_PATH);

  it('has every service, category and topic text in English, Filipino and Bangla', () => {
    expect(complete.sort()).toEqual(['bn', 'en', 'fil']);
    const texts: [string, LocalizedText][] = [
      ...catalog.categories.map((item): [string, LocalizedText] => [`category ${item.code}`, item.name]),
      ...catalog.topics.map((item): [string, LocalizedText] => [`topic ${item.code}`, item.name]),
      ...catalog.services.flatMap((service): [string, LocalizedText][] => [
        [`${service.code} name`, service.name],
        [`${service.code} processing time`, service.processingTime],
        [`${service.code} office`, service.office],
        ...service.requirements.map((item, index): [string, LocalizedText] => [`${service.code} requirement ${index + 1}`, item]),
        ...(service.form ?? []).flatMap((field): [string, LocalizedText][] => [
          [`${service.code} ${field.key}`, field.label],
          ...(field.type === 'choice' ? field.options.map((option): [string, LocalizedText] => [`${service.code} ${field.key} ${option.value}`, option.label]) : []),
        ]),
      ]),
    ];
    expect(texts.length).toBeGreaterThan(300);
    const missing = texts.flatMap(([where, text]) => complete.filter((code) => typeof text === 'string' || !(text as Record<string, string | undefined>)[code]).map((code) => `${where}: no ${code}`));
    expect(missing).toEqual([]);
  });

  it('shows a Bangla citizen Bangla requirements and office, and a Maguindanaon one the Filipino', async () => {
    const db = await PgliteDatabase.open(undefined);
    await migrate(db);
    try {
      await loadSampleCatalogIfEmpty(db);
      const services = { catalog: new CatalogService(db), timeZone: 'Asia/Manila' } as unknown as ScreenServices;
      const browse = createDialogs({} as Parameters<typeof createDialogs>[0]).browse;
      const i18n = createI18n('en');
      const detail = async (locale: string) =>
        resolveScreen(i18n, locale, await browse.screens.detail({ context: { category: 'social-welfare', service: 'mssd-aics' } as never, citizenId: 1, locale, services })).body.join('\n');
      const bangla = await detail('bn');
      expect(bangla).toContain('বৈধ পরিচয়পত্র; দরিদ্রতার সনদ; চিকিৎসা বা দাফনের কাগজ');
      expect(bangla).toContain('MSSD প্রাদেশিক অফিস');
      expect(bangla).not.toMatch(/Valid ID|Provincial Office/);
      const maguindanaon = await detail('mdh');
      expect(maguindanaon).toContain('Balidong ID; Katibayan ng pagiging maralita');
      expect(maguindanaon).toContain('Provincial Office ng MSSD');
    } finally {
      await db.close();
    }
  });

  it('takes a text in any supported language, the region\'s included, and refuses a language it does not have', () => {
    const text = localized(localizedText.parse({ en: 'Health', tsg: 'Kahampatan' }));
    expect(text).toEqual({ en: 'Health', tsg: 'Kahampatan' });
    expect(pick(text, 'tsg')).toBe('Kahampatan');
    expect(pick({ en: 'Health', fil: 'Kalusugan' }, 'mrw')).toBe('Kalusugan');
    expect(localizedText.safeParse({ en: 'Health', xx: 'Gesundheit' }).success).toBe(false);
  });
});
