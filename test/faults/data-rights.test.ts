import twilio from 'twilio';
import { loadConfig } from '../../src/config';
import type { AppContext } from '../../src/context';
import { createApp } from '../../src/http/app';
import { purgeExpired, retentionFrom } from '../../src/services/retention';
import type { Database } from '../../src/store/sql';
import { optionNumber, startLingkod, type LogCapture } from '../support/app';
import { recordFigure, scanLogs } from '../support/figures';
import { newKey } from '../support/ministries';
import { HttpUssdPhone, postForm, serve, type Served } from '../support/served';
import { databaseBackends } from '../support/stores';
import { TWILIO_ENV, inboundForm, messageSid, twimlText } from '../channels/sms/support';

/**
 * Data rights (Philippine Data Privacy Act). A citizen sees what Lingkod holds about them and
 * has it erased, by SMS (MYDATA, DELETE, always confirmed first) and from the USSD menu; their
 * requests stay with the ministry, anonymised. Message texts are purged RETENTION_DAYS after
 * they were queued, by a job that also anonymises what an open dialog added after an erasure.
 */
const NAME = 'Rahima Sultan';

describe.each(databaseBackends())('data rights on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let logs: LogCapture;
  let served: Served;
  const phones: string[] = [];

  beforeAll(async () => {
    db = await backend.open();
    ({ context, logs } = await startLingkod(db, { ...TWILIO_ENV, SMS_REPLIES_PER_MINUTE: '100' }));
    served = await serve(createApp(context));
  });
  afterAll(async () => {
    await served.close();
    await context.close();
  });

  const text = async (from: string, body: string) => {
    const form = inboundForm(from, body, messageSid());
    const signature = twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, `${TWILIO_ENV.PUBLIC_URL}/sms/twilio`, form);
    return twimlText((await postForm(`${served.base}/sms/twilio`, form, { 'X-Twilio-Signature': signature })).text);
  };
  const citizenOf = async (address: string) => {
    const [row] = await db.query<{ citizen_id: string }>('SELECT citizen_id FROM citizen_addresses WHERE address = $1', [address]);
    return row ? Number(row.citizen_id) : undefined;
  };

  /** A citizen with a request (answers naming them), a subscription and a status update sent to them. */
  async function citizenWithData(number: string): Promise<{ citizenId: number; reference: string }> {
    phones.push(number);
    const citizen = await context.citizens.findOrCreate(`tel:${number}`, 'sms');
    const { reference } = await context.requests.submit({
      citizenId: citizen.id,
      serviceCode: 'mssd-aics',
      answers: { full_name: NAME, household_size: '4', municipality: 'bas-lamitan' },
      channel: 'sms',
    });
    await context.subscriptions.subscribe(citizen.id, 'aid-payouts', 'bas-lamitan');
    const officer = await newKey(db, 'mssd');
    await context.admin.requests.changeStatus(officer.actor, reference, { status: 'in_review', note: `Dear ${NAME}, we are checking your papers.` });
    return { citizenId: citizen.id, reference };
  }

  it('shows a texter what is held (MYDATA), erases it only after DELETE is confirmed, and keeps the request for the ministry, anonymised', async () => {
    const number = '+639177400001';
    const { citizenId, reference } = await citizenWithData(number);
    const held = await text(number, 'MYDATA');
    expect(held).toContain('What Lingkod holds about you:');
    expect(held).toContain('Numbers and chats: 1');
    expect(held).toContain('Requests with your answers: 1');
    expect(held).toContain('Topics you follow: 1');
    expect(held).toMatch(/Messages sent to you: [1-9]/);

    // DELETE asks first; "No" keeps everything.
    expect(await text(number, 'DELETE')).toContain('Delete your number, answers, topics and messages?');
    expect(await text(number, String(optionNumber(await text(number, 'DELETE'), 'No, keep')))).toBeTruthy();
    expect(await citizenOf(`tel:${number}`)).toBe(citizenId);

    const confirm = await text(number, 'delete');
    const erased = await text(number, optionNumber(confirm, 'Yes, delete'));
    expect(erased).toContain('Your data has been deleted.');

    // Gone: the number, the subscription, the texts sent; the citizen row is a tombstone.
    expect(await citizenOf(`tel:${number}`)).toBeUndefined();
    expect(await db.query('SELECT 1 FROM subscriptions WHERE citizen_id = $1', [citizenId])).toEqual([]);
    const [tombstone] = await db.query<{ locale: string | null; deleted: boolean }>('SELECT locale, deleted_at IS NOT NULL AS deleted FROM citizens WHERE id = $1', [citizenId]);
    expect(tombstone).toEqual({ locale: null, deleted: true });
    const sent = await db.query<{ body: string; address: string }>('SELECT body, address FROM outbox WHERE citizen_id = $1 OR address = $2', [citizenId, `tel:${number}`]);
    expect(sent).toEqual([]);
    expect(JSON.stringify(await db.query('SELECT * FROM outbox'))).not.toContain(NAME);
    // Kept for the ministry: reference, service, status and history, without the person.
    const officer = await newKey(db, 'mssd');
    const detail = await context.admin.requests.detail(officer.actor, reference);
    expect(detail.answers).toEqual({ municipality: 'bas-lamitan' });
    expect(detail.status).toBe('in_review');
    expect(detail.history.map((event) => event.status)).toEqual(['received', 'in_review']);
    const [audit] = await db.query<{ details: Record<string, unknown> }>("SELECT details FROM audit_log WHERE action = 'citizen.erase' AND target = $1", [`citizen:${citizenId}`]);
    expect(audit.details).toMatchObject({ channel: 'sms', addresses: 1, requestsAnonymised: 1, subscriptions: 1 });

    // Writing again starts afresh, as somebody new who holds nothing.
    const again = await text(number, 'MYDATA');
    expect(again).toContain('Requests with your answers: 0');
    expect(await citizenOf(`tel:${number}`)).not.toBe(citizenId);
    recordFigure(12, `MYDATA and DELETE by SMS (${backend.name})`, `counts shown; DELETE asked to confirm ("No" kept all); on "Yes" erased 1 number, 1 subscription and ${String(audit.details.messagesPurged)} message text(s); 1 request kept, anonymised, with its history`);
  });

  it.each([
    ['DATOS KO', 'Ang hawak ng Lingkod tungkol sa iyo:'],
    ['আমার তথ্য', 'Lingkod আপনার যে তথ্য রাখে:'],
    ['my data', 'What Lingkod holds about you:'],
    ['BURAHIN', 'Burahin ang iyong numero'],
    ['মুছুন', 'নম্বর, উত্তর, বিষয় ও বার্তা মুছবেন?'],
    ['Erase', 'Delete your number'],
  ])('opens My data for %j (a word of one of the three languages), in the citizen\'s language, erasing nothing', async (keyword, expected) => {
    const number = `+6391774${String(Math.floor(Math.random() * 1e5)).padStart(5, '0')}`;
    phones.push(number);
    const locale = /[\u0980-\u09ff]/.test(keyword) ? 'bn' : /DATOS|BURAHIN/.test(keyword) ? 'fil' : 'en';
    const citizen = await context.citizens.findOrCreate(`tel:${number}`, 'sms');
    await context.citizens.setLocale(citizen.id, locale);
    expect(await text(number, keyword)).toContain(expected);
    // Nothing is erased by the keyword alone.
    expect(await citizenOf(`tel:${number}`)).toBe(citizen.id);
  });

  it('erases from the USSD menu entry "My data", after a confirmation and the code texted to the phone', async () => {
    const number = '+639177400002';
    const { citizenId, reference } = await citizenWithData(number);
    const phone = new HttpUssdPhone(served.base, number);
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'English'));
    const summary = await phone.press(optionNumber(phone.last, 'My data'));
    expect(summary).toMatch(/^CON What Lingkod holds about you:/);
    expect(summary).toContain('Requests with your answers: 1');
    const confirm = await phone.press(optionNumber(summary, 'Delete my data'));
    expect(confirm).toContain('Delete your number');
    // USSD does not prove the phone (a gateway's secret can leak): a code goes to it by SMS first.
    expect(await phone.press(optionNumber(confirm, 'Yes, delete'))).toBe('CON We sent a code by SMS to this phone. Type it here:\n0 Back');
    const [sent] = await db.query<{ body: string }>("SELECT body FROM outbox WHERE address = $1 AND body LIKE 'Lingkod code %'", [`tel:${number}`]);
    const done = await phone.press(/\d{6}/.exec(sent.body)?.[0] ?? '');
    expect(done).toMatch(/^END Your data has been deleted\./);
    expect(await citizenOf(`tel:${number}`)).toBeUndefined();
    const [request] = await db.query<{ answers: Record<string, string>; anonymised: boolean }>('SELECT answers, anonymised_at IS NOT NULL AS anonymised FROM requests WHERE reference = $1', [reference]);
    expect(request).toEqual({ answers: { municipality: 'bas-lamitan' }, anonymised: true });
    expect(await context.dataRights.held(citizenId)).toMatchObject({ phones: 0, requests: 0, topics: 0, messages: 0 });
    recordFigure(12, `erasure from the USSD menu "My data" (${backend.name})`, 'summary, confirmation, code by SMS typed, END "deleted"; request kept anonymised');
  });

  it(`purges message texts and numbers after their purpose's retention (status updates: 7 days), traces after the security purpose's (30), capped by RETENTION_DAYS (default ${loadConfig({}).RETENTION_DAYS}), hourly from start`, async () => {
    expect(loadConfig({}).RETENTION_DAYS).toBe(90);
    const queue = (body: string) => context.outbox.enqueue({ address: 'tel:+639177400009', channel: 'sms', body, kind: 'status' });
    const old = await Promise.all(Array.from({ length: 30 }, (_, index) => queue(`Old notice ${index}`)));
    const recent = await Promise.all(Array.from({ length: 20 }, (_, index) => queue(`Recent notice ${index}`)));
    const oldQueued = await queue('Old but never sent');
    await db.query("UPDATE outbox SET status = 'sent' WHERE id = ANY($1)", [[...old, ...recent]]);
    await db.query("UPDATE outbox SET created_at = now() - interval '8 days' WHERE id = ANY($1)", [[...old, oldQueued]]);
    await db.query("UPDATE outbox SET created_at = now() - interval '6 days' WHERE id = ANY($1)", [recent]);
    await db.query("INSERT INTO inbound_messages (channel, provider_id, received_at) VALUES ('twilio', 'SMold', now() - interval '31 days'), ('twilio', 'SMnew', now() - interval '29 days')");
    await db.query("INSERT INTO simulator_inbox (address, body, received_at) VALUES ('sim:+639177400010', 'Old simulated notice', now() - interval '31 days'), ('sim:+639177400010', 'New simulated notice', now())");
    // A request an open dialog attached to an erased citizen after the erasure: anonymised too.
    const [ghost] = await db.query<{ id: string }>("INSERT INTO citizens (deleted_at) VALUES (now()) RETURNING id");
    const late = await context.requests.submit({ citizenId: Number(ghost.id), serviceCode: 'mssd-aics', answers: { full_name: NAME }, channel: 'ussd' });

    // The job as main starts it: a purge at once, then every hour on an unref'd timer.
    context.retention.start();
    await context.retention.stop();

    const bodies = new Map((await db.query<{ id: string; body: string; address: string; purged: boolean }>('SELECT id, body, address, purged_at IS NOT NULL AS purged FROM outbox WHERE id = ANY($1)', [[...old, ...recent, oldQueued]])).map((row) => [Number(row.id), row]));
    expect(old.every((id) => bodies.get(id)?.body === '' && bodies.get(id)?.address === `purged:${id}` && bodies.get(id)?.purged)).toBe(true);
    expect(recent.every((id) => bodies.get(id)?.body.startsWith('Recent notice') && !bodies.get(id)?.purged)).toBe(true);
    expect(bodies.get(oldQueued)?.body).toMatch(/^Old but never sent/);
    expect((await db.query<{ provider_id: string }>("SELECT provider_id FROM inbound_messages WHERE provider_id IN ('SMold', 'SMnew')")).map((row) => row.provider_id)).toEqual(['SMnew']);
    expect((await db.query<{ body: string }>("SELECT body FROM simulator_inbox WHERE address = 'sim:+639177400010' ORDER BY id")).map((row) => row.body)).toEqual(['', 'New simulated notice']);
    const [anonymised] = await db.query<{ answers: Record<string, string> }>('SELECT answers FROM requests WHERE reference = $1', [late.reference]);
    expect(anonymised.answers).toEqual({});
    // Purging again changes nothing.
    expect(await purgeExpired(db, retentionFrom(context.admin.purposes, 90))).toEqual({ messages: 0, simulated: 0, inboundIds: 0, requests: 0, hops: 0, threadMessages: 0 });
    recordFigure(12, `retention purge, default purposes (${backend.name})`, `${old.length} sent status texts older than 7 days purged with their numbers, ${recent.length} newer kept, 1 old unsent kept; 1 simulated text purged, 1 kept; 1 provider id forgotten; a late request of an erased citizen anonymised; a second run changed nothing`);
  });

  it('writes no phone number or message body to its logs', () => {
    expect(scanLogs(`data-rights-${backend.name}`, logs.lines, { phones, secrets: [TWILIO_ENV.TWILIO_AUTH_TOKEN], bodies: [NAME, 'we are checking your papers'] })).toEqual([]);
  });
});
