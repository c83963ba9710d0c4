import request from 'supertest';
import type { AppContext } from '../../src/context';
import { formatReference } from '../../src/services/reference';
import { RequestService } from '../../src/services/requests';
import type { Database } from '../../src/store/sql';
import { smsSize } from '../../src/text/segments';
import { startLingkod } from '../support/app';
import { ADMIN_KEY, bearer } from '../support/api';
import { smsAndTelegram, type FakeProvider } from '../support/ministries';
import { databaseBackends } from '../support/stores';
import type { Express } from 'express';
import { toCsv } from '../../src/api/csv';

/** Sends everything due, as the running dispatcher would. */
async function dispatchAll(context: AppContext): Promise<void> {
  while ((await context.dispatcher.runOnce()) > 0);
}

const VERIFY = /\n.*VERIFY [A-Z2-9]{6}$/;

describe.each(databaseBackends())("the Citizen's Charter clock on $name", (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let sms: FakeProvider;
  let officer: string;
  let clock = new Date('2026-12-04T01:00:00Z');
  const admin = bearer(ADMIN_KEY);

  beforeAll(async () => {
    db = await backend.open();
    const providers = smsAndTelegram();
    sms = providers.sms;
    ({ context, app } = await startLingkod(db, { ADMIN_API_KEY: ADMIN_KEY }, { extraChannels: [providers.sms, providers.telegram], now: () => clock }));
    const made = await request(app).post('/api/v1/keys').set(admin).send({ ministry: 'mssd', name: 'officer', holder: 'Nasser Ali' });
    officer = made.body.key as string;
  });
  afterAll(async () => {
    await context.close();
  });

  async function file(phone: string, locale: string, at: string, answers: Record<string, string> = {}): Promise<string> {
    clock = new Date(at);
    const citizen = await context.citizens.findOrCreate(phone, 'ussd');
    await context.citizens.setLocale(citizen.id, locale);
    // Filed as the app files (the same receipt hook), received at the test's clock.
    const requests = new RequestService(db, undefined, { ...context.admin.filing, now: () => clock });
    const { reference } = await requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: { full_name: 'Amina', ...answers }, channel: 'ussd' });
    return reference;
  }

  it('refuses bad calendar entries with a clear 4xx, and a ministry key with 403', async () => {
    const post = (body: object, key = admin) => request(app).post('/api/v1/calendar').set(key).send(body);
    expect((await post({ day: '2026-02-30', kind: 'national', name: 'x' })).status).toBe(400);
    expect((await post({ day: '2026-12-09', kind: 'local', name: 'x' })).body.issues).toEqual([{ path: 'body.municipality', message: 'a local holiday names its municipality' }]);
    expect((await post({ day: '2026-12-09', kind: 'suspension', name: 'x', from: '25:00' })).status).toBe(400);
    expect((await post({ day: '2026-12-09', kind: 'holiday', name: 'x' })).status).toBe(400);
    expect((await post({ day: '2026-12-09', kind: 'suspension', name: 'x' }, bearer(officer))).status).toBe(403);
    expect((await post({ day: '2026-12-25', kind: 'national', name: 'Christmas Day' })).status).toBe(409);
    expect((await request(app).delete('/api/v1/calendar/999999').set(admin)).status).toBe(404);
    expect((await request(app).delete('/api/v1/calendar/abc').set(admin)).status).toBe(400);
  });

  it('lists the sample calendar: national, BARMM regional and local days', async () => {
    const listed = await request(app).get('/api/v1/calendar?from=2026-01-01&to=2026-12-31&municipality=cc-cotabato').set(bearer(officer));
    expect(listed.status).toBe(200);
    const names = listed.body.items.map((entry: { name: string }) => entry.name);
    expect(names).toEqual(expect.arrayContaining(["Eid'l Fitr", "Eid'l Adha", 'Bangsamoro Foundation Day', 'Cotabato City Charter Day']));
    expect(names).not.toContain('Marawi City Charter Day');
  });

  it('past due with no decision, over a holiday, a half-day suspension and a local holiday: deemed approved, the citizen and the ministry told, once', async () => {
    // Friday 4 Dec 2026, 09:00 Manila, in Cotabato City; 3 working days (a simple service).
    const reference = await file('tel:+639175550201', 'fil', '2026-12-04T01:00:00Z', { municipality: 'cc-cotabato' });
    // Without more days off: Fri 8 h, Mon 9 h, (Tue 8 Dec is a holiday), Wed 9 h, Thu 1 h: due Thu 10 Dec 09:00.
    const filed = await request(app).get(`/api/v1/requests/${reference}`).set(bearer(officer));
    expect(filed.body.clock).toMatchObject({ receivedAt: '2026-12-04T01:00:00.000Z', dueAt: '2026-12-10T01:00:00.000Z', workingDays: 3, state: 'on_time' });

    // A suspension from noon on Wednesday, and Thursday a local holiday in Cotabato City only.
    const suspension = await request(app).post('/api/v1/calendar').set(admin).send({ day: '2026-12-09', kind: 'suspension', name: 'Flooding', from: '12:00' });
    expect(suspension.status).toBe(201);
    expect(suspension.body.clocksRestarted).toBe(1);
    const local = await request(app).post('/api/v1/calendar').set(admin).send({ day: '2026-12-10', kind: 'local', municipality: 'cc-cotabato', name: 'Shariff Kabunsuan Day' });
    expect(local.body.clocksRestarted).toBe(1);
    // Fri 8 h, Mon 9 h, Wed 4 h, Fri 6 h: due Friday 11 Dec 14:00 Manila.
    const moved = await request(app).get(`/api/v1/requests/${reference}`).set(bearer(officer));
    expect(moved.body.clock.dueAt).toBe('2026-12-11T06:00:00.000Z');

    // One working hour before: at risk, listed first by due date, and not yet approved.
    clock = new Date('2026-12-11T05:00:00Z');
    const atRisk = await request(app).get('/api/v1/requests?clock=at_risk&order=due').set(bearer(officer));
    expect(atRisk.body.items.map((item: { reference: string }) => item.reference)).toEqual([reference]);
    await context.retention.runOnce();
    expect((await request(app).get(`/api/v1/requests/${reference}`).set(bearer(officer))).body.status).toBe('received');

    // The hourly job after the due time: deemed approved.
    clock = new Date('2026-12-11T06:00:01Z');
    await context.retention.runOnce();
    await context.retention.runOnce();
    const approved = await request(app).get(`/api/v1/requests/${reference}`).set(bearer(officer));
    expect(approved.body).toMatchObject({ status: 'approved', clock: { state: 'deemed_approved', deemedApprovedAt: '2026-12-11T06:00:01.000Z' } });
    expect(approved.body.history.map((event: { status: string; actor: string }) => `${event.status} by ${event.actor}`)).toEqual(['received by citizen', 'approved by charter']);
    const audit = await request(app).get('/api/v1/audit?action=request.deemed').set(bearer(officer));
    expect(audit.body.items).toEqual([expect.objectContaining({ ministry: 'mssd', actor: 'charter', target: `request:${reference}` })]);
    const counts = await request(app).get('/api/v1/charter/clocks').set(bearer(officer));
    expect(counts.body.items).toContainEqual(expect.objectContaining({ service: 'mssd-aics', office: 'MSSD Provincial Office', deemedApproved: 1 }));

    await dispatchAll(context);
    const bodies = sms.to('tel:+639175550201').map((delivery) => delivery.body.replace(VERIFY, ''));
    expect(bodies).toEqual([
      `Resibo ${formatReference(reference)}: Tulong sa krisis (AICS), Provincial Office ng MSSD, Dis 4, 09:00. Takda Dis 10, 09:00.`,
      `Lingkod: Hindi naaksyunan sa takdang oras ang request ${formatReference(reference)} (Tulong sa krisis (AICS)), kaya itinuturing na itong aprubado (RA 11032). Ipakita ang reference na ito sa Provincial Office ng MSSD.`,
    ]);
    // Removing the suspension is refused nothing, and restarts no closed clock.
    const removed = await request(app).delete(`/api/v1/calendar/${suspension.body.entry.id}`).set(admin);
    expect(removed.body.clocksRestarted).toBe(0);
  });

  it('filing → receipt → one extension with its reason → closing: the clock stops, nothing is deemed approved', async () => {
    // Monday 14 Dec 2026, 10:00 Manila, no municipality.
    const reference = await file('tel:+639175550202', 'en', '2026-12-14T02:00:00Z');
    await dispatchAll(context);
    const [receipt] = sms.to('tel:+639175550202').map((delivery) => delivery.body);
    expect(receipt.replace(VERIFY, '')).toBe(
      `Receipt ${formatReference(reference)}: Crisis assistance (AICS), MSSD Provincial Office, 14 Dec, 10:00. Due 17 Dec, 10:00.`,
    );
    // With its VERIFY line, the English receipt is one SMS.
    expect(smsSize(receipt)).toMatchObject({ encoding: 'gsm7', segments: 1 });

    const path = `/api/v1/requests/${formatReference(reference)}/extension`;
    expect((await request(app).post(path).set(bearer(officer)).send({ reason: 'see lingkod.ph/x' })).status).toBe(400);
    const extended = await request(app).post(path).set(bearer(officer)).send({ reason: 'the barangay has not sent the certificate' });
    expect(extended.status).toBe(200);
    // 3 more working days, over 24 and 25 Dec (sample holidays): Thu 17 10:00 → Fri 18, Mon 21, Tue 22 10:00.
    expect(extended.body.clock).toMatchObject({ dueAt: '2026-12-22T02:00:00.000Z', workingDays: 6, extensionReason: 'the barangay has not sent the certificate' });
    expect(extended.body.notification).toMatchObject({ queued: true, channel: 'sms' });
    expect((await request(app).post(path).set(bearer(officer)).send({ reason: 'again' })).status).toBe(409);
    await dispatchAll(context);
    expect(sms.to('tel:+639175550202').map((delivery) => delivery.body.replace(VERIFY, ''))[1]).toBe(
      `Lingkod: Your request ${formatReference(reference)} (Crisis assistance (AICS)) was extended once: the barangay has not sent the certificate. New due date: 22 Dec 2026, 10:00.`,
    );
    const audit = await request(app).get('/api/v1/audit?action=request.extend').set(bearer(officer));
    expect(audit.body.items[0]).toMatchObject({ target: `request:${reference}`, details: { from: '2026-12-17T02:00:00.000Z', to: '2026-12-22T02:00:00.000Z' } });

    clock = new Date('2026-12-21T02:00:00Z');
    expect((await request(app).post(`/api/v1/requests/${reference}/status`).set(bearer(officer)).send({ status: 'closed' })).status).toBe(200);
    clock = new Date('2026-12-28T02:00:00Z');
    await context.retention.runOnce();
    const closed = await request(app).get(`/api/v1/requests/${reference}`).set(bearer(officer));
    expect(closed.body).toMatchObject({ status: 'closed', clock: { state: 'decided', deemedApprovedAt: null } });
    expect((await request(app).post(path).set(bearer(officer)).send({ reason: 'late' })).status).toBe(409);
  });

  it('warns the officer in the console before the deadline, sorts by due date, extends once from the request page, and counts clocks on the dashboard', async () => {
    // Monday 4 Jan 2027, 09:00 Manila: due Thursday 09:00, at risk from Wednesday 09:00.
    const reference = await file('tel:+639175550203', 'bn', '2027-01-04T01:00:00Z');
    clock = new Date('2027-01-06T02:00:00Z');
    const agent = request.agent(app);
    const csrfIn = (text: string) => /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? '';
    const login = await agent.get('/console/login').expect(200);
    await agent.post('/console/login').type('form').send({ _csrf: csrfIn(login.text), key: officer }).expect(303);

    const list = await agent.get('/console/requests').expect(200);
    expect(list.text).toContain('<a href="/console/requests?clock=at_risk&amp;order=due">1 due within a working day</a>');
    const atRisk = await agent.get('/console/requests?clock=at_risk&order=due').expect(200);
    expect(atRisk.text).toContain(`/console/requests/${reference}`);
    expect(atRisk.text).toContain('<span class="badge warn">Due soon</span>');
    expect(atRisk.text).toContain('soonest due first');

    const detail = await agent.get(`/console/requests/${reference}`).expect(200);
    expect(detail.text).toContain('Extend once');
    await agent.post(`/console/requests/${reference}/extension`).type('form').send({ _csrf: csrfIn(detail.text), reason: 'ok' }).expect(303);
    expect((await agent.get(`/console/requests/${reference}`)).text).toContain('give the reason for the extension, 3 to 160 characters.');
    await agent.post(`/console/requests/${reference}/extension`).type('form').send({ _csrf: csrfIn(detail.text), reason: 'waiting for the site visit' }).expect(303);
    const extended = await agent.get(`/console/requests/${reference}`).expect(200);
    // 3 more working days from Thursday 09:00: Tuesday 12 Jan 09:00 Manila.
    expect(extended.text).toContain('Extended once: now due');
    expect(extended.text).toContain('waiting for the site visit');
    expect(extended.text).not.toContain('Extend once</button>');
    expect((await request(app).get(`/api/v1/requests/${reference}`).set(bearer(officer))).body.clock.dueAt).toBe('2027-01-12T01:00:00.000Z');
    await dispatchAll(context);
    const bangla = sms.to('tel:+639175550203').map((delivery) => delivery.body.replace(VERIFY, ''));
    expect(bangla[1]).toContain('নতুন শেষ তারিখ: ১২ জানু, ২০২৭');

    const dashboard = await agent.get('/console').expect(200);
    expect(dashboard.text).toContain("Processing times (Citizen's Charter)");
    const download = await agent.get('/console/reports/processing-times.csv').expect(200);
    expect(download.headers['content-disposition']).toBe('attachment; filename=processing-times.csv');
    expect(download.text).toMatch(/^service,ministry,office,.*\r\nmssd-aics,mssd,MSSD Provincial Office,simple,3,3,/);
    expect(dashboard.text).toMatch(/<tr><td>Crisis assistance \(AICS\)<\/td><td>MSSD Provincial Office<\/td><td>1<\/td><td>0<\/td><td>0<\/td><td>1<\/td><td>0<\/td><td>1<\/td><td>2<\/td><\/tr>/);
  });

  it('reports processing-time compliance per service as JSON, or as CSV to Accept: text/csv, for a period', async () => {
    const json = await request(app).get('/api/v1/reports/processing-times?from=2026-12-01&to=2027-02-01').set(bearer(officer));
    expect(json.status).toBe(200);
    // Filed in the walks above: one deemed approved, one closed on time, one extended and still running.
    expect(json.body.items).toEqual([
      expect.objectContaining({ service: 'mssd-aics', classification: 'simple', workingDays: 3, filed: 3, decidedOnTime: 1, deemedApproved: 1, extended: 2, complianceRate: 0.5 }),
    ]);
    const csv = await request(app).get('/api/v1/reports/processing-times?from=2026-12-01&to=2027-02-01').set(bearer(officer)).set('Accept', 'text/csv');
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.text.split('\r\n')).toEqual([
      'service,ministry,office,classification,workingDays,filed,onTime,atRisk,overdue,decidedOnTime,decidedLate,deemedApproved,extended,complianceRate',
      expect.stringMatching(/^mssd-aics,mssd,MSSD Provincial Office,simple,3,3,\d,\d,\d,1,0,1,2,0.5$/),
      '',
    ]);
    expect((await request(app).get('/api/v1/reports/processing-times?from=yesterday').set(bearer(officer))).status).toBe(400);
    const none = await request(app).get('/api/v1/reports/processing-times?from=2030-01-01').set(bearer(officer)).set('Accept', 'text/csv');
    expect(none.text).toBe('service,ministry,office,classification,workingDays,filed,onTime,atRisk,overdue,decidedOnTime,decidedLate,deemedApproved,extended,complianceRate\r\n');
  });
});

describe('the CSV of a report', () => {
  it('quotes commas, quotes and line breaks, and never lets a cell run as a spreadsheet formula', () => {
    expect(toCsv(['a', 'b'], [{ a: 'x, "y"', b: '=HYPERLINK("z")' }, { a: '-1+1', b: 2 }, { a: null, b: 'line\nbreak' }])).toBe(
      'a,b\r\n"x, ""y""","\'=HYPERLINK(""z"")"\r\n\'-1+1,2\r\n,"line\nbreak"\r\n',
    );
  });
});
