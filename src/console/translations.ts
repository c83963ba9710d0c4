import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { shippedLocales } from '../i18n';
import { html } from '../http/html';
import type { Logger } from '../log';
import { encodedLength, encodingOf } from '../text/gsm7';
import { smsSize } from '../text/segments';
import { budgetOf, counted, USSD_PAGE } from '../translations/budget';
import { SOURCE_LOCALE, type LocaleData } from '../translations/locales';
import { COUNTED_STATES, localeStrings, localeSummaries } from '../translations/status';
import { textProblems } from '../translations/validate';
import type { ConsoleContext } from '.';
import { NotFoundError } from '../services/access';
import { page } from './errors';
import { consolePage } from './layout';
import { parseForm } from './requests';
import { officerOf, takeFlash } from './session';

/**
 * The translations' review state for a ministry's reviewer: each language's completeness, its
 * strings with their state, and one string's preview: the USSD page and SMS parts it makes,
 * and what the import would say of a changed text (nothing is saved here: changes go through
 * the translators' PO round trip, `npm run i18n`, which records the reviewer).
 */
const STATE_LABELS: Record<string, string> = { reviewed: 'Reviewed', draft: 'Draft', stale: 'Needs review (English changed)', fallback: 'Not translated', source: 'English' };

const listQuery = z.object({ state: z.enum(['reviewed', 'draft', 'stale', 'fallback']).optional() });
const stringQuery = z.object({ key: z.string().min(3).max(200), text: z.string().max(1600).optional() });

function localeOf(code: string): { locale: LocaleData; english: LocaleData['texts'] } {
  const locales = shippedLocales();
  const locale = locales.find((item) => item.code === code && code !== SOURCE_LOCALE);
  if (!locale) throw new NotFoundError('No such language');
  return { locale, english: locales.find((item) => item.code === SOURCE_LOCALE)!.texts };
}

export function translationRoutes(router: Router, _context: ConsoleContext, log: Logger): void {
  router.get(
    '/translations',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const body = html`<h1>Translations</h1>
<p>Strings written by the Lingkod team in a language none of them speaks natively are drafts until a reviewer accepts them. A language whose drafts are hidden shows its fallback language in their place.</p>
<div class="table-wrap" tabindex="0" role="region" aria-label="Languages"><table>
  <caption class="visually-hidden">Each language's strings by review state</caption>
  <thead><tr><th scope="col">Language</th><th scope="col">Citizens see drafts?</th><th scope="col">Falls back to</th>${COUNTED_STATES.map((state) => html`<th scope="col">${STATE_LABELS[state]}</th>`)}</tr></thead>
  <tbody>${localeSummaries(shippedLocales()).map(
    (summary) =>
      html`<tr><th scope="row"><a href="/console/translations/${summary.code}" lang="${summary.code}">${summary.name}</a> (${summary.english})</th><td>${summary.drafts === 'show' ? 'Yes' : 'No: the fallback instead'}</td><td>${summary.fallback ?? '–'}</td>${COUNTED_STATES.map((state) => html`<td data-state="${state}"><a href="/console/translations/${summary.code}?state=${state}">${summary.counts[state]}</a></td>`)}</tr>`,
  )}</tbody>
</table></div>`;
      res.type('html').send(consolePage({ title: 'Translations', section: '/console/translations', officer, body, flash: takeFlash(req, res) }));
    }, log),
  );

  router.get(
    '/translations/:locale',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const { locale, english } = localeOf(String(req.params.locale));
      const filter = parseForm(listQuery, req.query);
      const strings = localeStrings(locale, english).filter((item) => !filter.state || item.state === filter.state);
      const body = html`<h1>${locale.manifest.english}: ${filter.state ? STATE_LABELS[filter.state] : 'every string'}</h1>
<p><a href="/console/translations">All languages</a> · ${COUNTED_STATES.map((state) => html`<a href="/console/translations/${locale.code}?state=${state}">${STATE_LABELS[state]}</a> · `)}<a href="/console/translations/${locale.code}">All</a></p>
<div class="table-wrap" tabindex="0" role="region" aria-label="Strings"><table>
  <caption class="visually-hidden">Strings and their review state</caption>
  <thead><tr><th scope="col">Key</th><th scope="col">English</th><th scope="col">${locale.manifest.english}</th><th scope="col">State</th></tr></thead>
  <tbody>${strings.map(
    (item) =>
      html`<tr><td><a href="/console/translations/${locale.code}/string?key=${encodeURIComponent(item.key)}">${item.key}</a></td><td>${item.source}</td><td lang="${locale.code}" dir="${locale.manifest.direction}">${item.text ?? '–'}</td><td data-state="${item.state}">${STATE_LABELS[item.state]}${item.reviewedBy ? html` by ${item.reviewedBy}, ${item.reviewedAt ?? ''}` : ''}</td></tr>`,
  )}</tbody>
</table></div>`;
      res.type('html').send(consolePage({ title: `Translations: ${locale.manifest.english}`, section: '/console/translations', officer, body, flash: takeFlash(req, res) }));
    }, log),
  );

  router.get(
    '/translations/:locale/string',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const { locale, english } = localeOf(String(req.params.locale));
      const query = parseForm(stringQuery, req.query);
      const item = localeStrings(locale, english).find((candidate) => candidate.key === query.key);
      if (!item) throw new NotFoundError('No such string');
      const text = query.text ?? item.text ?? '';
      const body = counted(text);
      const encoding = encodingOf(body);
      const sms = smsSize(body);
      const problems = text === '' ? [] : textProblems(locale, english, item.key, text);
      const content = html`<h1>${locale.manifest.english}: <code>${item.key}</code></h1>
<p><a href="/console/translations/${locale.code}">All ${locale.manifest.english} strings</a></p>
<dl class="facts">
  <dt>English</dt><dd>${item.source}</dd>
  <dt>${locale.manifest.english} now</dt><dd lang="${locale.code}" dir="${locale.manifest.direction}">${item.text ?? 'not translated'}</dd>
  <dt>State</dt><dd data-state="${item.state}">${STATE_LABELS[item.state]}${item.reviewedBy ? html` by ${item.reviewedBy}, ${item.reviewedAt ?? ''}` : ''}</dd>
  <dt>Budget</dt><dd>${budgetOf(item.key, encoding).describe}</dd>
</dl>
<form method="get" action="/console/translations/${locale.code}/string" class="card">
  <input type="hidden" name="key" value="${item.key}">
  <div class="field"><label for="t-text">Text to preview</label><textarea id="t-text" name="text" rows="3" maxlength="1600" lang="${locale.code}" dir="${locale.manifest.direction}">${text}</textarea></div>
  <div class="actions"><button type="submit">Preview</button></div>
</form>
<section class="card" aria-labelledby="preview-title"><h2 id="preview-title">Preview</h2>
<pre class="message" data-preview="ussd" lang="${locale.code}" dir="${locale.manifest.direction}">${text}</pre>
<p data-preview="size">${encoding === 'gsm7' ? 'GSM-7' : 'UCS-2'}: ${encodedLength(body)} of ${USSD_PAGE[encoding]} characters on a USSD page; ${sms.segments} SMS ${sms.segments === 1 ? 'part' : 'parts'} (placeholders not counted).</p>
${problems.length === 0 ? html`<p data-preview="verdict">An import would accept it.</p>` : html`<ul class="error-text" data-preview="verdict">${problems.map((problem) => html`<li>${problem}</li>`)}</ul>`}
</section>
<p>To change or accept strings, export the language, edit it in a translation tool and import it: <code>npm run i18n -- export --locale ${locale.code}</code>, then <code>npm run i18n -- import FILE --reviewer "YOUR NAME"</code>.</p>`;
      res.type('html').send(consolePage({ title: `Translations: ${item.key}`, section: '/console/translations', officer, body: content, flash: takeFlash(req, res) }));
    }, log),
  );
}
