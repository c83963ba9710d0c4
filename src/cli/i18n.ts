import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { SUPPORTED_LOCALES } from '../config';
import { createI18n, LOCALES_DIR } from '../i18n';
import { smsCost } from '../translations/cost';
import { exportLocale, importPo, reportLines } from '../translations/exchange';
import { manifestSchema, namespaceOf, readLocales, SOURCE_LOCALE, type LocaleData } from '../translations/locales';
import { PoError } from '../translations/po';
import { recordDrafts, writeLocale } from '../translations/review';
import { COUNTED_STATES, localeSummaries } from '../translations/status';
import { localeProblems } from '../translations/validate';

/**
 * `npm run i18n -- COMMAND` for translators and the people who ship their work:
 *   export --locale CODE [--out FILE]   the locale as gettext PO (stdout without --out)
 *   import FILE [--reviewer NAME]       a PO file back; unfuzzy strings reviewed by NAME
 *   status                              each locale's reviewed, draft, stale and missing strings
 *   cost                                SMS cost per locale: GSM-7 or UCS-2, parts per text and screen
 *   drafts [--locale CODE]              records the English each unrecorded draft translates
 *   add --locale CODE --name OWN --english NAME [--fallback fil] [--direction rtl] [--sms ucs2] [--intl TAG]
 *                                       a new locale folder with its manifest (Sama, Yakan, Iranun…)
 * LINGKOD_LOCALES_DIR points it at another locales folder (the tests' copies).
 */
const USAGE = `Usage: npm run i18n -- export --locale CODE [--out FILE]
       npm run i18n -- import FILE [--reviewer NAME]
       npm run i18n -- status | cost | drafts [--locale CODE]
       npm run i18n -- add --locale CODE --name OWN-NAME --english NAME [--fallback fil] [--direction ltr|rtl] [--sms gsm7|ucs2] [--intl TAG]
`;

export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** `--name value` pairs and the words that are not options. */
function options(args: string[]): { words: string[]; flags: Map<string, string> } {
  const words: string[] = [];
  const flags = new Map<string, string>();
  for (let index = 0; index < args.length; index++) {
    if (args[index].startsWith('--')) flags.set(args[index].slice(2), args[++index] ?? '');
    else words.push(args[index]);
  }
  return { words, flags };
}

/** Runs one command; returns the exit code (0 done, 1 refused, 2 usage). */
export function runI18n(args: string[], output: Output, dir = process.env.LINGKOD_LOCALES_DIR ?? LOCALES_DIR, now = () => new Date()): number {
  const { words, flags } = options(args);
  const [command, file] = words;
  const locales = readLocales(dir);
  const english = locales.find((locale) => locale.code === SOURCE_LOCALE)!.texts;
  const find = (code: string | undefined): LocaleData | undefined => locales.find((locale) => locale.code === code && code !== SOURCE_LOCALE);
  switch (command) {
    case 'export': {
      const locale = find(flags.get('locale'));
      if (!locale) break;
      const po = exportLocale(locale, english);
      if (flags.get('out')) {
        writeFileSync(flags.get('out')!, po);
        output.err(`Wrote ${flags.get('out')}: ${english.size} strings of ${locale.manifest.english}.\n`);
      } else output.out(po);
      return 0;
    }
    case 'import': {
      if (!file) break;
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        output.err(`Cannot read ${file}.\n`);
        return 1;
      }
      const code = /^"Language: ([^\\]*)\\n"$/m.exec(text)?.[1];
      const locale = find(code);
      if (!locale) {
        output.err(`${file} names no language Lingkod has (Language: ${code ?? 'missing'}); the locales are ${locales.map((item) => item.code).join(', ')}.\n`);
        return 1;
      }
      const reviewer = flags.get('reviewer') ? { by: flags.get('reviewer')!, at: now() } : undefined;
      try {
        const report = importPo(text, locale, english, reviewer);
        (report.refused ? output.err : output.out)(`${reportLines(report).join('\n')}\n`);
        if (report.refused) return 1;
        if (report.changes.length > 0) writeLocale(dir, locale, english, report.changes.map((change) => namespaceOf(change.key)));
        return 0;
      } catch (error) {
        if (!(error instanceof PoError)) throw error;
        output.err(`${file}: ${error.message}\n`);
        return 1;
      }
    }
    case 'status': {
      output.out(`${'locale'.padEnd(8)}${COUNTED_STATES.map((state) => state.padStart(10)).join('')}  problems\n`);
      for (const summary of localeSummaries(locales)) {
        const problems = localeProblems(locales.find((locale) => locale.code === summary.code)!, locales).length;
        output.out(`${summary.code.padEnd(8)}${COUNTED_STATES.map((state) => String(summary.counts[state]).padStart(10)).join('')}  ${problems}\n`);
      }
      return 0;
    }
    case 'cost': {
      const i18n = createI18n(SOURCE_LOCALE, { dir });
      output.out('locale  SMS texts  GSM-7  UCS-2  most parts  menu  language  help (parts as an SMS reply)\n');
      for (const cost of smsCost(i18n, locales.map((locale) => locale.code), english)) {
        output.out(`${cost.locale.padEnd(8)}${String(cost.texts).padStart(9)}${String(cost.gsm7).padStart(7)}${String(cost.ucs2).padStart(7)}${String(cost.maxParts).padStart(12)}${String(cost.screens.menu).padStart(6)}${String(cost.screens.language).padStart(10)}${String(cost.screens.help).padStart(6)}\n`);
      }
      return 0;
    }
    case 'add': {
      const code = flags.get('locale') ?? '';
      const manifest = manifestSchema.safeParse({
        name: flags.get('name'),
        english: flags.get('english'),
        fallback: flags.get('fallback') ?? 'fil',
        drafts: 'fallback',
        direction: flags.get('direction') ?? 'ltr',
        complete: false,
        sms: flags.get('sms') ?? 'gsm7',
        intl: flags.get('intl') ?? 'fil-PH',
      });
      if (!/^[a-z]{3}$/.test(code) || !manifest.success) {
        output.err(`add needs --locale (an ISO 639-3 code), --name and --english${manifest.success ? '' : `: ${manifest.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`}\n`);
        return 2;
      }
      const folder = path.join(dir, code);
      if (existsSync(folder)) {
        output.err(`${folder} exists already.\n`);
        return 1;
      }
      mkdirSync(folder);
      writeFileSync(path.join(folder, 'locale.yaml'), `# ${manifest.data.english} (ISO 639-3 ${code}): added by npm run i18n -- add. Drafts fall back to ${manifest.data.fallback} until reviewed.\n${stringify(manifest.data)}`);
      output.out(
        `Created ${folder}/locale.yaml. Then:\n` +
          `  1. add '${code}' to SUPPORTED_LOCALES in src/config.ts (the compiler then names every place that must know it)\n` +
          `  2. add "name_${code}": "${manifest.data.name}" to "language" in dialogs.json of en, fil and bn\n` +
          `  3. npm run i18n -- export --locale ${code} --out ${code}.po, translate, and import it\n`,
      );
      return 0;
    }
    case 'drafts': {
      // Records the English each untracked draft translates, so a later change of English shows.
      for (const locale of locales.filter((item) => item.code !== SOURCE_LOCALE && (!flags.get('locale') || item.code === flags.get('locale')))) {
        const added = recordDrafts(locale, english);
        if (added > 0) writeLocale(dir, locale, english, []);
        output.out(`${locale.code}: ${added} drafts recorded\n`);
      }
      return 0;
    }
  }
  output.err(USAGE + (flags.get('locale') && !find(flags.get('locale')) ? `No translated locale "${flags.get('locale')}": ${SUPPORTED_LOCALES.filter((code) => code !== SOURCE_LOCALE).join(', ')}.\n` : ''));
  return 2;
}

if (require.main === module) {
  process.exitCode = runI18n(process.argv.slice(2), { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) });
}
