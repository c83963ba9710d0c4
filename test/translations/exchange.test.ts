import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runI18n } from '../../src/cli/i18n';
import { createI18n, LOCALES_DIR, translate } from '../../src/i18n';
import { parsePo, writePo } from '../../src/translations/po';
import { readLocale, reviewState } from '../../src/translations/locales';

/**
 * The translator's round trip through `npm run i18n` (runI18n, on a copy of the shipped
 * locales): export as PO, edit, import; what an import accepts, keeps and refuses.
 */
describe('npm run i18n', () => {
  let dir: string;
  let work: string;
  let out: string[];
  let err: string[];
  const output = { out: (text: string) => out.push(text), err: (text: string) => err.push(text) };
  const at = new Date('2026-12-04T12:00:00Z');
  const run = (...args: string[]) => runI18n(args, output, dir, () => at);
  /** Every file of the locales folder, as text. */
  const snapshot = () => Object.fromEntries(readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((file) => /\.(json|yaml)$/.test(file)).map((file) => [file, readFileSync(path.join(dir, file), 'utf8')]));
  const exported = (code: string) => {
    out = [];
    expect(run('export', '--locale', code)).toBe(0);
    return out.join('');
  };
  /** Sets the msgstr (and fuzzy flag) of one entry of a PO text. */
  const edit = (po: string, key: string, translation: string, fuzzy = false) => {
    const file = parsePo(po);
    const entry = file.entries.find((candidate) => candidate.context === key)!;
    Object.assign(entry, { translation, fuzzy });
    return writePo(file);
  };
  const importText = (po: string, ...args: string[]) => {
    const file = path.join(work, 'in.po');
    writeFileSync(file, po);
    out = [];
    err = [];
    return run('import', file, ...args);
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'lingkod-i18n-'));
    work = mkdtempSync(path.join(tmpdir(), 'lingkod-po-'));
    cpSync(LOCALES_DIR, dir, { recursive: true });
    out = [];
    err = [];
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it('exports every English string as PO: context, source, translation, budget, placeholders, state; drafts fuzzy', () => {
    const po = parsePo(exported('mdh'));
    expect(po.headers).toMatchObject({ Language: 'mdh', 'Content-Type': 'text/plain; charset=UTF-8', 'X-Lingkod-Fallback': 'fil' });
    const english = readLocale(dir, 'en').texts;
    expect(po.entries.map((entry) => entry.context)).toEqual([...english.keys()]);
    const help = po.entries.find((entry) => entry.context === 'dialogs:menu.help')!;
    expect(help).toEqual({ context: 'dialogs:menu.help', source: 'Help', translation: 'Tabang', fuzzy: true, notes: ['Budget: one USSD page: 182 characters in GSM-7, placeholders not counted', 'State: DRAFT: not reviewed'] });
    const choice = po.entries.find((entry) => entry.context === 'dialogs:hint.choice')!;
    expect(choice.notes).toContain('Keep the placeholders: {{max}}');
    const missing = po.entries.find((entry) => entry.context === 'dialogs:browse.categories')!;
    expect(missing).toMatchObject({ translation: '', fuzzy: false });
    expect(missing.notes).toContain('State: not translated (citizens read fil instead)');
    expect(po.entries.find((entry) => entry.context === 'sms:help')!.notes[0]).toBe('Budget: at most 2 SMS parts (GSM-7: 160, or 153 a part characters), placeholders not counted');
  });

  it('round-trips without loss: importing the export unchanged changes no file', () => {
    const before = snapshot();
    expect(importText(exported('tsg'))).toBe(0);
    expect(out.join('')).toMatch(/^tsg: 0 changed, 0 kept, \d+ unchanged\./);
    expect(snapshot()).toEqual(before);
  });

  it('imports an edit: a new string and a changed one, reviewed by the named reviewer, reported, and served', () => {
    let po = exported('tsg');
    po = edit(po, 'dialogs:browse.categories', 'Pilia in kategorya');
    po = edit(po, 'dialogs:menu.help', 'Tabang kaniyu');
    const before = snapshot();
    expect(importText(po, '--reviewer', 'Nurhaida S.')).toBe(0);
    expect(out.join('')).toContain('tsg: 2 changed, 0 kept');
    expect(out.join('')).toContain('dialogs:browse.categories: fallback → reviewed (new)');
    expect(out.join('')).toContain('dialogs:menu.help: draft → reviewed: "Tabang" → "Tabang kaniyu"');
    // Only Tausug's dialogs and review files changed; every other string is as it was.
    const after = snapshot();
    expect(Object.keys(after).filter((file) => after[file] !== before[file]).sort()).toEqual(['tsg/dialogs.json', 'tsg/review.yaml']);
    const tsg = readLocale(dir, 'tsg');
    const english = readLocale(dir, 'en').texts;
    expect(tsg.review['dialogs:menu.help']).toMatchObject({ state: 'reviewed', by: 'Nurhaida S.', at: at.toISOString() });
    expect(reviewState(tsg, english, 'dialogs:nav.more')).toBe('draft');
    // Tausug hides drafts: the reviewed strings now show, the rest are still Filipino.
    const i18n = createI18n('en', { dir });
    expect(translate(i18n, 'tsg', { key: 'menu.help' })).toBe('Tabang kaniyu');
    expect(translate(i18n, 'tsg', { key: 'nav.more' })).toBe('Iba pa');
    // Exported again: reviewed, not fuzzy, with who and when.
    const again = parsePo(exported('tsg')).entries.find((entry) => entry.context === 'dialogs:menu.help')!;
    expect(again).toMatchObject({ fuzzy: false, translation: 'Tabang kaniyu' });
    expect(again.notes).toContain('State: reviewed by Nurhaida S. at 2026-12-04T12:00:00.000Z');
  });

  it('imports without a reviewer, or fuzzy, as drafts', () => {
    expect(importText(edit(exported('mrw'), 'dialogs:browse.categories', 'Pamili sa kategorya'))).toBe(0);
    expect(out.join('')).toContain('dialogs:browse.categories: fallback → draft (new)');
    expect(importText(edit(exported('mrw'), 'dialogs:browse.services', 'Pamili sa serbisyo', true), '--reviewer', 'A')).toBe(0);
    expect(out.join('')).toContain('dialogs:browse.services: fallback → draft (new)');
  });

  it('marks translations as needing review when English changes, and never overwrites a reviewed string from an older English', () => {
    // A reviewer accepts every Maguindanaon draft as it is (the file with no fuzzy flags).
    const accepted = parsePo(exported('mdh'));
    for (const entry of accepted.entries) entry.fuzzy = false;
    const old = writePo(accepted);
    expect(importText(old, '--reviewer', 'Reviewer A')).toBe(0);
    expect(out.join('')).toContain('dialogs:menu.help: draft → reviewed');
    const english = JSON.parse(readFileSync(path.join(dir, 'en', 'dialogs.json'), 'utf8'));
    english.menu.help = 'Help and contacts';
    writeFileSync(path.join(dir, 'en', 'dialogs.json'), JSON.stringify(english, null, 2));
    const mdh = readLocale(dir, 'mdh');
    expect(reviewState(mdh, readLocale(dir, 'en').texts, 'dialogs:menu.help')).toBe('stale');
    expect(parsePo(exported('mdh')).entries.find((entry) => entry.context === 'dialogs:menu.help')).toMatchObject({ fuzzy: true, notes: expect.arrayContaining(['State: NEEDS REVIEW: English has changed since this was reviewed']) });
    // The file exported before English changed, with another text: kept, and said.
    const before = snapshot();
    expect(importText(edit(old, 'dialogs:menu.help', 'Tabang pan'), '--reviewer', 'Reviewer B')).toBe(0);
    expect(out.join('')).toContain('kept dialogs:menu.help: reviewed; the file translates an older English text');
    expect(snapshot()).toEqual(before);
    // A draft over a reviewed string: kept too.
    expect(importText(edit(exported('mdh'), 'dialogs:nav.back', 'Balik ka', true))).toBe(0);
    expect(out.join('')).toContain('kept dialogs:nav.back: reviewed; the file\'s text is not marked reviewed');
  });

  it('refuses a file with a string over its USSD page, over its SMS parts, with a broken placeholder or outside GSM-7, naming each; nothing changes', () => {
    let po = exported('tsg');
    po = edit(po, 'dialogs:menu.title', 'Lingkod '.repeat(23));
    po = edit(po, 'sms:stopped', 'Di na kaw makarawat pahayag. '.repeat(12));
    po = edit(po, 'dialogs:hint.choice', 'Balas hin numiru 1 sampay {{pinakadakula}}.');
    po = edit(po, 'dialogs:menu.help', 'Tabang “kaniyu”');
    const before = snapshot();
    expect(importText(po, '--reviewer', 'A')).toBe(1);
    const message = err.join('');
    expect(message).toContain('Refused: nothing imported into tsg.');
    expect(message).toContain(`tsg: dialogs:menu.title is 184 characters; the budget is one USSD page: 182 characters in GSM-7, placeholders not counted: "${'Lingkod '.repeat(23)}"`);
    expect(message).toMatch(/tsg: sms:stopped takes 3 SMS parts \(348 characters\); the budget is at most 2 SMS parts/);
    expect(message).toContain('tsg: dialogs:hint.choice has placeholders {pinakadakula} but English has {max}');
    expect(message).toContain('tsg: dialogs:menu.help is not GSM-7 (“ ”)');
    expect(snapshot()).toEqual(before);
  });

  it('refuses a file for another language, one that is not PO, and a locale it does not have', () => {
    expect(importText(exported('mdh').replace('"Language: mdh\\n"', '"Language: xx\\n"'))).toBe(1);
    expect(err.join('')).toContain('names no language Lingkod has (Language: xx)');
    expect(importText('msgid ""\nmsgstr ""\n"Language: mdh\\n"\nnonsense\n')).toBe(1);
    expect(err.join('')).toMatch(/in\.po: line 4: not PO: nonsense/);
    err = [];
    expect(run('export', '--locale', 'xx')).toBe(2);
    expect(err.join('')).toContain('No translated locale "xx"');
  });

  it('reports each locale\'s review state and SMS cost', () => {
    expect(run('status')).toBe(0);
    const status = out.join('');
    expect(status).toMatch(/^tsg\s+0\s+\d+\s+0\s+\d+\s+0$/m);
    expect(status).toMatch(/^fil\s+0\s+\d+\s+0\s+0\s+0$/m);
    out = [];
    expect(run('cost')).toBe(0);
    const cost = out.join('');
    // Bangla's texts all go out in UCS-2, Filipino's and the region languages' in GSM-7.
    expect(cost).toMatch(/^bn\s+(\d+)\s+0\s+\1\s/m);
    expect(cost).toMatch(/^mdh\s+(\d+)\s+\1\s+0\s/m);
  });

  it('adds a locale folder for another language (Sama, ISO 639-3 ssb) with a manifest, and refuses it twice', () => {
    expect(run('add', '--locale', 'ssb', '--name', 'Sinama', '--english', 'Sama')).toBe(0);
    expect(out.join('')).toContain("add 'ssb' to SUPPORTED_LOCALES");
    expect(readLocale(dir, 'ssb').manifest).toEqual({ name: 'Sinama', english: 'Sama', fallback: 'fil', drafts: 'fallback', direction: 'ltr', complete: false, sms: 'gsm7', intl: 'fil-PH' });
    expect(run('add', '--locale', 'ssb', '--name', 'Sinama', '--english', 'Sama')).toBe(1);
    expect(run('add', '--locale', 'arabic', '--name', 'العربية')).toBe(2);
    expect(run('add', '--locale', 'ara', '--name', 'العربية', '--english', 'Arabic', '--direction', 'rtl', '--sms', 'ucs2', '--intl', 'ar')).toBe(0);
    expect(readLocale(dir, 'ara').manifest).toMatchObject({ direction: 'rtl', sms: 'ucs2' });
    expect(existsSync(path.join(dir, 'ara', 'locale.yaml'))).toBe(true);
  });
});

describe('PO text', () => {
  it('keeps quotes, backslashes, new lines and multi-line strings as written', () => {
    const file = { headers: { Language: 'tsg' }, entries: [{ context: 'a:b', source: 'Say "hi"\\n\nnow', translation: 'Ikaw "hi"\ntab\there', fuzzy: true, notes: ['note'] }] };
    expect(parsePo(writePo(file))).toEqual(file);
    const wrapped = parsePo('msgid ""\nmsgstr ""\n"Language: tsg\\n"\n\n#, fuzzy, c-format\nmsgctxt "a:b"\nmsgid ""\n"one "\n"two"\nmsgstr "isa"\n');
    expect(wrapped.entries).toEqual([{ context: 'a:b', source: 'one two', translation: 'isa', fuzzy: true, notes: [] }]);
  });
});
