import type { CumulativeMapping } from '../africastalking/cumulative';

/**
 * Advanta (advantasms.com, Kenya), a clone of Africa's Talking's USSD callback, and the second
 * mapping of the cumulative-path CON/END family (../africastalking/cumulative.ts): a GET with
 * `SESSIONID`, `USSDCODE`, `MSISDN` and `INPUT` in the query string, answered `CON …`/`END …`.
 * Advanta sends no network.
 *
 * `INPUT` is cumulative ("33*2*Dan": the newest input is the last part). The older guide shows
 * it bare (`INPUT=33`), the newer one as the whole dial string (`*415*33*1#`); both are read,
 * the dialled code taken off. On a shared code the extension comes first (`*415*33#` → `33`):
 * USSD_SERVICE_CODE names the code with it (`*415*33#`), and the extension is taken off too. Advanta offers a POST setup "on request", with no published
 * format: this mapping is the documented GET. The same guide is published word for word by
 * other resellers of Advanta's platform (Team Web, Kemru, JazaAfrica, FastMessage, Speedocom),
 * so this one entry serves them too, under their own name if copied with another `name`.
 */
export const ADVANTA: CumulativeMapping = {
  name: 'advanta',
  method: 'GET',
  fields: { session: 'SESSIONID', phone: 'MSISDN', text: 'INPUT', serviceCode: 'USSDCODE' },
  input: 'cumulative',
  prefixes: { more: 'CON', last: 'END' },
  path: (text, serviceCode, config) => withoutExtension(dialStringToPath(text, serviceCode), extensionOf(config.USSD_SERVICE_CODE)),
  source: 'https://www.advantasms.com/ussd-api-guide ; https://github.com/harrykerry/advanta-africa-apis/blob/main/docs/ussd-api/README.md',
};

/**
 * `*415*33*1#` (the whole dial string, the code `*415#` included) → `33*1`; `33*1` as it is.
 * A dial string whose code is not the one in USSDCODE loses only its first part.
 */
export function dialStringToPath(text: string, serviceCode: string | undefined): string {
  if (!(text.startsWith('*') && text.endsWith('#'))) return text;
  const dialled = text.slice(1, -1);
  const code = (serviceCode ?? '').replace(/^\*/, '').replace(/#$/, '');
  if (code !== '' && dialled === code) return '';
  if (code !== '' && dialled.startsWith(`${code}*`)) return dialled.slice(code.length + 1);
  const first = dialled.indexOf('*');
  return first === -1 ? '' : dialled.slice(first + 1);
}

/** The extension of a shared code (`*415*33#` → `33`); undefined for a code of its own (`*347#`). */
export function extensionOf(code: string | undefined): string | undefined {
  const parts = (code ?? '').replace(/^\*/, '').replace(/#$/, '').split('*');
  return parts.length > 1 ? parts.slice(1).join('*') : undefined;
}

/** A shared code's extension taken off the front of the path (`33` → '', `33*1*2` → `1*2`). */
export function withoutExtension(path: string, extension: string | undefined): string {
  if (extension === undefined) return path;
  if (path === extension) return '';
  return path.startsWith(`${extension}*`) ? path.slice(extension.length + 1) : path;
}
