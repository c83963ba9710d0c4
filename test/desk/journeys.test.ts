import type { Express } from 'express';
import request from 'supertest';
import type { AppContext } from '../../src/context';
import { formatReference, newReference } from '../../src/services/reference';
import type { EphemeralStore } from '../../src/store/ephemeral';
import type { Database } from '../../src/store/sql';
import { TWILIO_ENV, TwilioPhone, optionIn } from '../channels/sms/support';
import { TelegramUser, drain, startWithTelegram } from '../channels/telegram/support';
import { ADMIN_KEY, bearer } from '../support/api';
import { UssdPhone, optionNumber, startLingkod, type LogCapture } from '../support/app';
import { databaseBackends, ephemeralBackends, keepOpen } from '../support/stores';

/**
 * A complaint walked end to end, on PGlite with in-memory state and on PostgreSQL with Redis:
 * filed by USSD and finished by SMS, filed by SMS, filed on Telegram; an officer of the owning
 * ministry reads it and replies through the API; the reply reaches the citizen on the channel
 * they used last; the citizen's answer lands in the thread, even while a menu dialog is open and
 * after the instance (and its dispatcher) restarted.
 */
const databases = databaseBackends();
const ephemerals = ephemeralBackends();
const pairs = [
  { name: 'PGlite + memory', records: databases[0], ephemeral: ephemerals[0] },
  ...(databases[1] && ephemerals[1] ? [{ name: 'PostgreSQL + Redis', records: databases[1], ephemeral: ephemerals[1] }] : []),
];

const ENV = { ...TWILIO_ENV, ADMIN_API_KEY: ADMIN_KEY, SMS_REPLIES_PER_MINUTE: '1000' };

/** The officer's side, over the API. */
async function officerKey(app: Express, ministry: string): Promise<string> {
  const response = await request(app).post('/api/v1/keys').set(bearer(ADMIN_KEY)).send({ ministry, name: `${ministry} desk`, holder: `${ministry} desk officer` });
  expect(response.status).toBe(201);
  return response.body.key as string;
}

/** The newest SMS queued for a phone. */
async function lastSmsTo(db: Database, number: string): Promise<string> {
  const [row] = await db.query<{ body: string }>(`SELECT body FROM outbox WHERE address = $1 AND channel = 'sms' ORDER BY id DESC LIMIT 1`, [`tel:${number}`]);
  return row?.body ?? '';
}

const referenceIn = (text: string) => /(\d{4}-\d{4}-\d{3})/.exec(text)?.[1] ?? '';

describe.each(pairs)('the desk end to end on $name', ({ records, ephemeral }) => {
  let db: Database;
  let store: EphemeralStore;
  let lingkod: { app: Express; context: AppContext; logs: LogCapture };
  let health: string;
  /** The log lines of every instance started, to prove what is not in them. */
  const logs: LogCapture[] = [];
  const start = async () => {
    lingkod = await startLingkod(keepOpen(db), ENV, { store: keepStoreOpen(store) });
    logs.push(lingkod.logs);
  };

  beforeAll(async () => {
    db = await records.open();
    store = ephemeral.open();
    await start();
    health = await officerKey(lingkod.app, 'moh');
  });
  afterAll(async () => {
    await lingkod.context.close();
    await store.close();
    await db.close();
  });

  it('files by USSD (category and place by number), takes the words by SMS, and carries the reply and the answer, across a restart', async () => {
    const number = '+639175570001';
    const phone = new UssdPhone(lingkod.app, number);
    let screen = await phone.dial();
    if (screen.includes('English')) screen = await phone.press(optionNumber(screen, 'English'));
    // The menu's ninth entry may be on its second page.
    while (!screen.includes('Complaint or question')) screen = await phone.press('98');
    screen = await phone.press(optionNumber(screen, 'Complaint or question'));
    expect(screen).toContain('Complaint or question: what is it about?');
    screen = await phone.press(optionNumber(screen, 'Health'));
    screen = await phone.press(optionNumber(screen, 'Basilan'));
    screen = await phone.press(optionNumber(screen, 'Lamitan'));
    expect(screen).toContain('May the office see your number?');
    screen = await phone.press(optionNumber(screen, 'Yes, show it'));
    expect(screen).toMatch(/^END Your reference is \d{4}-\d{4}-\d{3}\. We sent you an SMS: reply to it with your complaint or question\.$/);
    const reference = referenceIn(screen);
    // A pushed message: with the line that lets the citizen check it came from Lingkod.
    expect(await lastSmsTo(db, number)).toMatch(new RegExp(`^Lingkod ${reference}: reply to this SMS with your complaint or question\\.\\nTo check it is from Lingkod, text VERIFY \\w+$`));

    const texter = new TwilioPhone(lingkod.app, number);
    expect(await texter.send('The Lamitan health centre had no doctor on Monday')).toBe(`Received, reference ${reference}. An officer will reply to you here.`);

    const list = await request(lingkod.app).get('/api/v1/threads').set(bearer(health));
    expect(list.status).toBe(200);
    const item = list.body.items.find((thread: { reference: string }) => thread.reference === reference.replace(/-/g, ''));
    expect(item).toMatchObject({ status: 'open', ministry: 'moh', municipality: 'bas-lamitan', category: 'health', channel: 'ussd', anonymous: false });
    const detail = await request(lingkod.app).get(`/api/v1/threads/${reference}`).set(bearer(health));
    expect(detail.body.contact).toBe('+63917•••0001');
    expect(detail.body.messages).toMatchObject([{ author: 'citizen', body: 'The Lamitan health centre had no doctor on Monday', channel: 'sms' }]);

    // The citizen is in a menu dialog (Services) when the officer's reply comes.
    const menu = await texter.send('MENU');
    await texter.send(optionIn(menu, 'Services'));
    const replied = await request(lingkod.app).post(`/api/v1/threads/${reference}/reply`).set(bearer(health)).send({ body: 'A doctor is there Tuesday to Friday. Was anyone else turned away?' });
    expect(replied.status).toBe(200);
    expect(replied.body.delivery).toMatchObject({ queued: true, channel: 'sms', parts: 1 });
    expect(await lastSmsTo(db, number)).toMatch(new RegExp(`^${reference}: A doctor is there Tuesday to Friday\\. Was anyone else turned away\\?\\nReply to answer\\.`));

    // A restart of the instance (and its dispatcher) in between: the thread still waits.
    await lingkod.context.close();
    await start();
    const again = new TwilioPhone(lingkod.app, number);
    expect(await again.send('Yes, my neighbour too')).toBe(`Added to ${reference}. An officer will reply to you here.`);
    const after = await request(lingkod.app).get(`/api/v1/threads/${reference}`).set(bearer(health));
    expect(after.body.messages.map((m: { author: string; body: string }) => [m.author, m.body])).toEqual([
      ['citizen', 'The Lamitan health centre had no doctor on Monday'],
      ['officer', 'A doctor is there Tuesday to Friday. Was anyone else turned away?'],
      ['citizen', 'Yes, my neighbour too'],
    ]);
    expect(after.body.status).toBe('open');
  });

  it('files by SMS keyword in another language, and takes an answer that starts with the reference after a keyword ended the wait', async () => {
    const number = '+639175570002';
    const texter = new TwilioPhone(lingkod.app, number);
    const receipt = await texter.send('REKLAMO Walang gamot sa health center ng Marawi');
    expect(receipt).toMatch(/^Received, reference \d{4}-\d{4}-\d{3}\. An officer will reply to you here\.$/);
    const reference = referenceIn(receipt);
    // No category: routed by a super-admin, then answered by the ministry's officer.
    const routed = await request(lingkod.app).post(`/api/v1/threads/${reference}/assign`).set(bearer(ADMIN_KEY)).send({ ministry: 'moh', municipality: 'lds-marawi' });
    expect(routed.status).toBe(200);
    await request(lingkod.app).post(`/api/v1/threads/${reference}/reply`).set(bearer(health)).send({ body: 'Darating ang gamot sa Huwebes.' }).expect(200);
    // A request's reference (typed at the status question, say) is the dialogs', though the thread waits.
    expect(await texter.send(formatReference(newReference()))).not.toContain('Added to');
    // INFO is a keyword: it opens the catalog search and ends the thread's wait.
    expect(await texter.send('INFO birth')).not.toContain(reference);
    expect(await texter.send(`${reference} Salamat po`)).toBe(`Added to ${reference}. An officer will reply to you here.`);
    const detail = await request(lingkod.app).get(`/api/v1/threads/${reference}`).set(bearer(health));
    expect(detail.body.messages.map((m: { body: string }) => m.body)).toEqual(['Walang gamot sa health center ng Marawi', 'Darating ang gamot sa Huwebes.', 'Salamat po']);
    const closed = await request(lingkod.app).post(`/api/v1/threads/${reference}/close`).set(bearer(health)).send({ resolution: 'Medicine delivered Thursday.' });
    expect(closed.body.thread.status).toBe('closed');
    expect(await lastSmsTo(db, number)).toMatch(new RegExp(`^${reference} closed: Medicine delivered Thursday\\.`));
    // Closed: a text with its reference is no longer the thread's.
    expect(await texter.send(`${reference} one more thing`)).not.toContain('Added to');
  });

  it('asks category and place by SMS for a bare QUESTION, then takes the next text as its words', async () => {
    const texter = new TwilioPhone(lingkod.app, '+639175570004');
    let reply = await texter.send('QUESTION');
    if (reply.startsWith('Choose your language')) reply = await texter.send(optionIn(reply, 'English'));
    expect(reply).toMatch(/^Complaint or question: what is it about\?/);
    reply = await texter.send(optionIn(reply, 'Civil registry'));
    reply = await texter.send(optionIn(reply, 'Maguindanao del Norte'));
    reply = await texter.send(optionIn(reply, /^\d+ [A-Z]/));
    reply = await texter.send(optionIn(reply, 'No, stay anonymous'));
    expect(reply).toMatch(/^Your reference is \d{4}-\d{4}-\d{3}\. Now send your complaint or question in one message\./);
    const reference = referenceIn(reply);
    expect(await texter.send('How do I correct a birth certificate?')).toBe(`Received, reference ${reference}. An officer will reply to you here.`);
    const [thread] = await db.query<{ anonymous: boolean; category_code: string; status: string }>('SELECT anonymous, category_code, status FROM threads WHERE reference = $1', [reference.replace(/-/g, '')]);
    expect(thread).toEqual({ anonymous: true, category_code: 'civil-registry', status: 'open' });
  });

  it('refuses a fourth complaint in a day from one number politely, and keeps nothing of it', async () => {
    const texter = new TwilioPhone(lingkod.app, '+639175570003');
    for (const n of [1, 2, 3]) expect(await texter.send(`COMPLAINT number ${n}`)).toMatch(/^Received, reference /);
    expect(await texter.send('COMPLAINT number 4')).toBe('You have sent many complaints today. Please try again tomorrow.');
    const [{ count }] = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM thread_messages WHERE body = 'number 4'`);
    expect(count).toBe(0);
  });

  it('writes neither the phone numbers nor the words of complaints and replies into any log line', () => {
    const lines = logs.flatMap((capture) => capture.lines).join('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of ['9175570001', '9175570002', 'no doctor', 'Walang gamot', 'my neighbour', 'Darating ang gamot', 'Tuesday to Friday']) expect(lines).not.toContain(secret);
  });
});

describe.each(pairs)('the desk on Telegram on $name', ({ records }) => {
  let db: Database;
  let started: Awaited<ReturnType<typeof startWithTelegram>>;

  beforeAll(async () => {
    db = await records.open();
    started = await startWithTelegram(db, { ADMIN_API_KEY: ADMIN_KEY });
  });
  afterAll(async () => {
    await started.context.close();
    await started.fake.close();
  });

  it('files from the menu with free text, and the officer reply and the answer travel by chat', async () => {
    const { app, context, fake } = started;
    const user = new TelegramUser(app, context, fake, 5550017001);
    await user.send('/complaint');
    expect(user.last.text).toContain('Complaint or question: what is it about?');
    await user.press('Health');
    await user.press('Basilan');
    await user.press(/Lamitan/);
    await user.press('No, stay anonymous');
    expect(user.last.text).toMatch(/Your reference is \d{4}-\d{4}-\d{3}\. Now send your complaint or question in one message\./);
    const reference = referenceIn(user.last.text);
    await user.send('The barangay health worker asked me for 500 pesos');
    expect(user.last.text).toBe(`Received, reference ${reference}. An officer will reply to you here.`);

    const health = await officerKey(app, 'moh');
    const detail = await request(app).get(`/api/v1/threads/${reference}`).set(bearer(health));
    expect(detail.body).toMatchObject({ anonymous: true, contact: null, channel: 'telegram' });
    await request(app).post(`/api/v1/threads/${reference}/reply`).set(bearer(health)).send({ body: 'Thank you. Which barangay?' }).expect(200);
    // The reply goes out through the outbox to the chat.
    await drain(context);
    expect(user.messages.map((m) => m.text)).toContainEqual(expect.stringMatching(new RegExp(`^${reference}: Thank you\\. Which barangay\\?\\nReply to answer\\.`)));
    await user.send('Barangay Matibay');
    expect(user.last.text).toBe(`Added to ${reference}. An officer will reply to you here.`);
    const after = await request(app).get(`/api/v1/threads/${reference}`).set(bearer(health));
    expect(after.body.messages.map((m: { author: string; channel: string | null }) => [m.author, m.channel])).toEqual([
      ['citizen', 'telegram'],
      ['officer', null],
      ['citizen', 'telegram'],
    ]);
    expect(formatReference(after.body.reference)).toBe(reference);
  });
});

/** The same ephemeral store, with a close() that leaves it open for the instance started next on it. */
function keepStoreOpen(store: EphemeralStore): EphemeralStore {
  return {
    engine: store.engine,
    get: (key) => store.get(key),
    set: (key, value, ttl) => store.set(key, value, ttl),
    setIfAbsent: (key, value, ttl) => store.setIfAbsent(key, value, ttl),
    delete: (key) => store.delete(key),
    increment: (key, ttl) => store.increment(key, ttl),
    incrementAll: (quotas) => store.incrementAll(quotas),
    ping: () => store.ping(),
    close: async () => undefined,
  };
}
