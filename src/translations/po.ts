/**
 * gettext PO, the file translators' tools (Poedit, Weblate, Lokalize, OmegaT) read: one entry
 * per string, `msgctxt` the key (`dialogs:menu.title`), `msgid` the English source, `msgstr`
 * the translation, `#.` notes for the translator (the budget, the placeholders to keep, the
 * review state), and the `fuzzy` flag on every string not yet reviewed.
 * https://www.gnu.org/software/gettext/manual/html_node/PO-Files.html
 */
export interface PoEntry {
  context: string;
  source: string;
  translation: string;
  fuzzy: boolean;
  notes: string[];
}

export interface PoFile {
  headers: Record<string, string>;
  entries: PoEntry[];
}

const escape = (text: string) => text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\' };
const unescape = (text: string) => text.replace(/\\(.)/g, (_, char: string) => ESCAPES[char] ?? char);

export function writePo(file: PoFile): string {
  const header = Object.entries(file.headers).map(([name, value]) => `"${escape(`${name}: ${value}\n`)}"`);
  const blocks = [`msgid ""\nmsgstr ""\n${header.join('\n')}`];
  for (const entry of file.entries) {
    blocks.push(
      [
        ...entry.notes.map((note) => `#. ${note}`),
        ...(entry.fuzzy ? ['#, fuzzy'] : []),
        `msgctxt "${escape(entry.context)}"`,
        `msgid "${escape(entry.source)}"`,
        `msgstr "${escape(entry.translation)}"`,
      ].join('\n'),
    );
  }
  return `${blocks.join('\n\n')}\n`;
}

/** Thrown for a file that is not PO as written above; the message names the line. */
export class PoError extends Error {}

/** Reads a PO file: entries in order, the header's fields, multi-line strings joined. */
export function parsePo(text: string): PoFile {
  const entries: PoEntry[] = [];
  let headers: Record<string, string> = {};
  let current: Partial<PoEntry> & { fuzzy: boolean; notes: string[] } = { fuzzy: false, notes: [] };
  let field: 'context' | 'source' | 'translation' | undefined;
  const finish = () => {
    if (current.source === undefined) return;
    if (current.source === '' && current.context === undefined) {
      headers = Object.fromEntries(
        (current.translation ?? '').split('\n').filter(Boolean).map((line) => [line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim()]),
      );
    } else {
      entries.push({ context: current.context ?? '', source: current.source, translation: current.translation ?? '', fuzzy: current.fuzzy, notes: current.notes });
    }
    current = { fuzzy: false, notes: [] };
    field = undefined;
  };
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    const quoted = (rest: string) => {
      const match = /^"((?:[^"\\]|\\.)*)"$/.exec(rest.trim());
      if (!match) throw new PoError(`line ${index + 1}: expected a "quoted string", found ${rest.trim().slice(0, 40)}`);
      return unescape(match[1]);
    };
    if (line === '') return;
    if (line.startsWith('#')) {
      if (field === 'translation') finish();
      if (line.startsWith('#,')) current.fuzzy ||= line.slice(2).split(',').map((flag) => flag.trim()).includes('fuzzy');
      else if (line.startsWith('#.')) current.notes.push(line.slice(2).trim());
      return;
    }
    const keyword = /^(msgctxt|msgid|msgstr)\s+(.*)$/.exec(line);
    if (keyword) {
      const name = ({ msgctxt: 'context', msgid: 'source', msgstr: 'translation' } as const)[keyword[1] as 'msgctxt' | 'msgid' | 'msgstr'];
      if ((name === 'context' || name === 'source') && field === 'translation') finish();
      field = name;
      current[name] = quoted(keyword[2]);
      return;
    }
    if (line.startsWith('"') && field) {
      current[field] = (current[field] ?? '') + quoted(line);
      return;
    }
    throw new PoError(`line ${index + 1}: not PO: ${line.slice(0, 40)}`);
  });
  finish();
  return { headers, entries };
}
