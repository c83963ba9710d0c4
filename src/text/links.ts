/**
 * Links in an SMS. The NTC memorandum of 27 September 2023 has Philippine telcos "block or
 * deactivate text messages containing clickable domains, URLs, URL shortening services links"
 * (Globe has blocked P2P SMS with links since 2022), so a message with one is not delivered at
 * all: what officers write for citizens (broadcasts, a status update's note) is checked before it
 * is accepted, and the officer is told why.
 *
 * A link is a scheme (`http://`, `https://`), a `www.` name, or a host name ending in a top-level
 * domain (`bit.ly/x`, `barmm.gov.ph`, `example.com`). Dotted words that are not host names
 * (`e.g.`, `Dr.`, `P1.50`, a reference `4821-7730-953`) are not links.
 */
const SCHEME = /\b(?:https?|ftp):\/\/\S+/i;
const WWW = /\bwww\.[a-z0-9-]+(?:\.[a-z0-9-]+)*\S*/i;
/** Top-level domains a link in a message to BARMM or Bangladesh would end in, and the shorteners'. */
const TLDS = ['com', 'net', 'org', 'info', 'biz', 'gov', 'edu', 'ph', 'bd', 'io', 'co', 'me', 'ly', 'gl', 'to', 'app', 'link', 'site', 'online', 'xyz', 'page', 'cc', 'tk', 'ws'];
const HOST = new RegExp(`(?<![\\w@.])(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\\.)+(?:${TLDS.join('|')})(?![a-z0-9-])(?:[/:?#]\\S*)?`, 'i');

/** The first link in `text`, as written, or undefined when it has none. */
export function linkIn(text: string): string | undefined {
  for (const pattern of [SCHEME, WWW, HOST]) {
    const found = pattern.exec(text);
    if (found) return found[0].replace(/[.,;:!?)\]]+$/, '');
  }
  return undefined;
}
