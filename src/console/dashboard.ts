import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { code } from '../api/schemas';
import { html } from '../http/html';
import type { Logger } from '../log';
import { isSuperAdmin } from '../services/access';
import { pick } from '../services/localized';
import type { ConsoleContext } from '.';
import { stackedBars } from './charts';
import { page } from './errors';
import { clockTable } from './charter';
import { measuresTable } from './desk';
import { consolePage, formatMoment } from './layout';
import { nameLookup } from './names';
import { parseForm } from './requests';
import { officerOf, takeFlash } from './session';
import { OTHER } from './stats';

/** The periods the dashboard offers, in days. */
const PERIODS = [7, 30, 90] as const;

const querySchema = z.object({
  days: z.preprocess((value) => (value === undefined || value === '' ? '30' : value), z.enum(PERIODS.map(String) as [string, ...string[]]).transform(Number)),
  ministry: z.preprocess((value) => (value === '' ? undefined : value), code.optional()),
});

/** The dashboard: requests per service and per municipality per day, and broadcasts waiting for approval. */
export function dashboardRoutes(router: Router, context: ConsoleContext, log: Logger): void {
  const { admin, names, stats, timeZone } = context;
  router.get(
    '/',
    page(async (req: Request, res: Response) => {
      const officer = officerOf(req);
      const { days, ministry } = parseForm(querySchema, req.query);
      const [byService, byMunicipality, services, municipalities, waiting, ministries, desk, ministryNames, clocks] = await Promise.all([
        stats.requestsPerDay(officer.actor, 'service', days, ministry),
        stats.requestsPerDay(officer.actor, 'municipality', days, ministry),
        admin.catalog.services(officer.actor, { ministry }),
        names.municipalities(),
        admin.broadcasts.list(officer.actor, { ministry, status: 'pending_approval', limit: 10 }),
        isSuperAdmin(officer.actor) ? admin.ministries.list(officer.actor) : Promise.resolve([]),
        admin.threads.measures(officer.actor, ministry),
        names.ministries(),
        admin.clocks.counts(officer.actor, { ministry }),
      ]);
      const serviceName = nameLookup(services.map((service) => ({ code: service.code, name: pick(service.name, 'en') })));
      const municipalityName = nameLookup(municipalities);
      const actorName = await names.actors(waiting.items.map((item) => `key:${item.createdBy}`));
      const label = (lookup: (key: string | null) => string) => (key: string | null) => (key === OTHER ? 'Others' : lookup(key));
      const total = byService.series.reduce((sum, series) => sum + series.total, 0);
      const body = html`<h1>Dashboard</h1>
<form method="get" action="/console" class="filters card" aria-label="Dashboard period">
  <div class="field"><label for="d-days">Period</label><select id="d-days" name="days">${PERIODS.map(
    (period) => html`<option value="${period}"${period === days ? html` selected` : ''}>Last ${period} days</option>`,
  )}</select></div>
  ${
    ministries.length > 0
      ? html`<div class="field"><label for="d-ministry">Ministry</label><select id="d-ministry" name="ministry"><option value="">All</option>${ministries.map(
          (item) => html`<option value="${item.code}"${item.code === ministry ? html` selected` : ''}>${pick(item.name, 'en')}</option>`,
        )}</select></div>`
      : ''
  }
  <div class="actions"><button type="submit">Show</button></div>
</form>
<p class="total"><strong>${total}</strong> requests in the last ${days} days. <a href="/console/requests">See the requests</a></p>
<div class="charts">
  ${stackedBars('by-service', 'Requests per service per day', byService, label(serviceName))}
  ${stackedBars('by-municipality', 'Requests per municipality per day', byMunicipality, label(municipalityName))}
</div>
${clockTable(clocks, (code) => serviceName(code))}
<section aria-labelledby="waiting-title" class="card">
  <h2 id="waiting-title">Broadcasts waiting for approval</h2>
  ${
    waiting.items.length === 0
      ? html`<p>None.</p>`
      : html`<ul>${waiting.items.map(
          (item) => html`<li><a href="/console/broadcasts/${item.id}">Broadcast #${item.id}</a> to ${item.recipients ?? 0} recipients, drafted ${formatMoment(item.createdAt, timeZone)} by ${actorName(`key:${item.createdBy}`)}</li>`,
        )}</ul>`
  }
</section>
<section aria-labelledby="desk-title" class="card">
  <h2 id="desk-title">Complaints and questions per office</h2>
  ${measuresTable(desk, (code) => (code === null ? 'Not routed' : nameLookup(ministryNames)(code)), municipalityName)}
  <p><a href="/console/desk">Open the desk</a></p>
</section>`;
      res.type('html').send(consolePage({ title: 'Dashboard', section: '/console', officer, body, flash: takeFlash(req, res) }));
    }, log),
  );
}
