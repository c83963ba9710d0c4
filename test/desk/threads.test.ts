import { NotFoundError, InvalidError, type Actor } from '../../src/services/access';
import type { AdminServices } from '../../src/services/admin';
import { CitizenService } from '../../src/services/citizens';
import { RequestService } from '../../src/services/requests';
import { purgeExpired } from '../../src/services/retention';
import { ThreadLimitError, maskPhone, parseTargets } from '../../src/services/threads';
import type { Database } from '../../src/store/sql';
import { adminServices, newKey, smsAndTelegram, type FakeProvider } from '../support/ministries';
import { databaseBackends } from '../support/stores';

/**
 * The grievance desk's records (services/threads.ts) on every records backend: attacks first
 * (another ministry's officer, anonymity, flooding), then filing, routing, replies, notes,
 * assignment, closing and the measures.
 */

/** Every copy kept 90 days, the threads' texts too. */
const NINETY_DAYS = { messages: { reply: 90, status: 90, notice: 90, broadcast: 90 }, traces: 90, threads: 90 };
describe.each(databaseBackends())('the desk on $name', (backend) => {
  let db: Database;
  let services: AdminServices;
  let sms: FakeProvider;
  let clock: Date;
  let health: Actor;
  let healthKeyId: number;
  let welfare: Actor;
  let superAdmin: Actor;
  let citizens: CitizenService;
  let phones = 0;
  const tick = (minutes: number) => {
    clock = new Date(clock.getTime() + minutes * 60_000);
  };

  /** A new citizen with a phone (last seen by SMS). */
  async function citizen(): Promise<{ id: number; address: string }> {
    const address = `tel:+6391755${String(++phones).padStart(5, '0')}`;
    return { id: (await citizens.findOrCreate(address, 'sms')).id, address };
  }

  beforeAll(async () => {
    db = await backend.open();
    ({ sms } = smsAndTelegram());
    clock = new Date('2026-11-28T08:00:00Z');
    ({ services } = await adminServices(db, [sms], { env: { DESK_TARGETS: 'health=2/48,*=8/120', DESK_THREADS_PER_DAY: '3', DESK_MESSAGES_PER_DAY: '5' }, now: () => clock }));
    const key = await newKey(db, 'moh', 'Nurse Amina');
    health = key.actor;
    healthKeyId = key.id;
    welfare = (await newKey(db, 'mssd', 'Welfare officer')).actor;
    superAdmin = (await newKey(db, null, 'Operator')).actor;
    citizens = new CitizenService(db);
  });
  afterAll(async () => {
    await db.close();
  });

  describe('attacks', () => {
    it("never shows an officer another ministry's thread: not in the list, and not found by reference for any act", async () => {
      const { id } = await citizen();
      const { reference } = await services.threads.file({ citizenId: id, channel: 'sms', categoryCode: 'health', text: 'The clinic was closed all week' });
      expect((await services.threads.list(welfare, { limit: 200 })).map((t) => t.reference)).not.toContain(reference);
      await expect(services.threads.detail(welfare, reference)).rejects.toThrow(NotFoundError);
      await expect(services.threads.reply(welfare, reference, 'hello')).rejects.toThrow(NotFoundError);
      await expect(services.threads.note(welfare, reference, 'hello')).rejects.toThrow(NotFoundError);
      await expect(services.threads.close(welfare, reference, 'done')).rejects.toThrow(NotFoundError);
      await expect(services.threads.assign(welfare, reference, { ministry: 'mssd' })).rejects.toThrow(NotFoundError);
      // A ministry key cannot list another ministry's queue by asking for it either.
      await expect(services.threads.list(welfare, { ministry: 'moh', limit: 10 })).rejects.toThrow(/cannot reach records of ministry "moh"/);
      expect((await services.threads.detail(health, reference)).messages[0].body).toBe('The clinic was closed all week');
    });

    it('keeps an unrouted thread (no category) from every ministry key; a super-admin sees and routes it', async () => {
      const { id } = await citizen();
      const { reference } = await services.threads.file({ citizenId: id, channel: 'sms', text: 'Who do I ask about my land title?' });
      await expect(services.threads.detail(health, reference)).rejects.toThrow(NotFoundError);
      expect((await services.threads.list(health, { limit: 200 })).map((t) => t.reference)).not.toContain(reference);
      expect((await services.threads.list(superAdmin, { limit: 200 })).map((t) => t.reference)).toContain(reference);
      await services.threads.assign(superAdmin, reference, { ministry: 'moh' });
      expect((await services.threads.detail(health, reference)).ministry).toBe('moh');
    });

    it("shows an anonymous thread's officer no phone, masked or not, and refuses to tie it to one of the citizen's requests", async () => {
      const { id, address } = await citizen();
      const { reference } = await services.threads.file({ citizenId: id, channel: 'sms', categoryCode: 'health', anonymous: true, text: 'The midwife asks for money' });
      const detail = await services.threads.detail(health, reference);
      expect(detail.contact).toBeNull();
      expect(detail.request).toBeNull();
      const digits = address.slice(-4);
      expect(JSON.stringify(detail)).not.toContain(digits);
      expect(JSON.stringify(await services.threads.list(health, { limit: 200 }))).not.toContain(digits);
      const request = await new RequestService(db).submit({ citizenId: id, serviceCode: 'moh-maip', answers: {}, channel: 'sms' });
      await expect(services.threads.file({ citizenId: id, channel: 'sms', anonymous: true, requestReference: request.reference, text: 'x' })).rejects.toThrow(InvalidError);
      // The reply still reaches the citizen.
      const { delivery } = await services.threads.reply(health, reference, 'We are looking into it.');
      expect(delivery).toMatchObject({ queued: true, channel: 'sms' });
    });

    it('shows a named thread\'s phone masked, never in full', async () => {
      const { id, address } = await citizen();
      const { reference } = await services.threads.file({ citizenId: id, channel: 'sms', categoryCode: 'health', text: 'No vaccines left' });
      const detail = await services.threads.detail(health, reference);
      expect(detail.contact).toBe(maskPhone(address));
      expect(detail.contact).toMatch(/^\+63917•••\d{4}$/);
      expect(JSON.stringify(detail)).not.toContain(address.slice(4));
    });

    it('refuses a citizen a fourth thread in a day (DESK_THREADS_PER_DAY=3), and a sixth message (DESK_MESSAGES_PER_DAY=5), and allows again the next day', async () => {
      const { id } = await citizen();
      const first = await services.threads.file({ citizenId: id, channel: 'sms', categoryCode: 'health', text: 'one' });
      await services.threads.file({ citizenId: id, channel: 'sms', text: 'two' });
      await services.threads.file({ citizenId: id, channel: 'sms', text: 'three' });
      await expect(services.threads.file({ citizenId: id, channel: 'sms', text: 'four' })).rejects.toThrow(ThreadLimitError);
      // Three messages so far; two more are kept, the sixth is not.
      await services.threads.citizenWrites(id, first.id, 'four', 'sms');
      await services.threads.citizenWrites(id, first.id, 'five', 'sms');
      await expect(services.threads.citizenWrites(id, first.id, 'six', 'sms')).rejects.toThrow(ThreadLimitError);
      expect((await services.threads.detail(health, first.reference)).messages.map((m) => m.body)).toEqual(['one', 'four', 'five']);
      tick(24 * 60 + 1);
      await expect(services.threads.file({ citizenId: id, channel: 'sms', text: 'again' })).resolves.toMatchObject({ status: 'open' });
    });

    it('refuses a link in a reply (the telcos block such SMS) and an officer key of another ministry as assignee', async () => {
      const { id } = await citizen();
      const { reference } = await services.threads.file({ citizenId: id, channel: 'sms', categoryCode: 'health', text: 'Where do I go?' });
      await expect(services.threads.reply(health, reference, 'See https://example.gov.ph')).rejects.toThrow(/link/);
      const other = await newKey(db, 'mssd', 'Someone else');
      await expect(services.threads.assign(health, reference, { keyId: other.id })).rejects.toThrow(/not an officer of ministry "moh"/);
    });
  });

  it('routes by the service, else by the ministry owning most services of the category; a drafting thread is in no queue', async () => {
    const { id } = await citizen();
    const drafted = await services.threads.file({ citizenId: id, channel: 'ussd', categoryCode: 'health', municipalityCode: 'bas-lamitan' });
    expect(drafted.status).toBe('drafting');
    expect((await services.threads.list(health, { limit: 200 })).map((t) => t.reference)).not.toContain(drafted.reference);
    expect(await services.threads.awaiting(id)).toMatchObject({ reference: drafted.reference, status: 'drafting' });
    expect(await services.threads.citizenWrites(id, drafted.id, 'The health centre in Lamitan has no doctor', 'sms')).toEqual({ first: true });
    const detail = await services.threads.detail(health, drafted.reference);
    expect(detail).toMatchObject({ ministry: 'moh', municipality: 'bas-lamitan', status: 'open', channel: 'ussd' });
    const bySevice = await services.threads.file({ citizenId: id, channel: 'sms', serviceCode: 'moh-immunization', text: 'x' });
    expect((await services.threads.detail(health, bySevice.reference)).service).toBe('moh-immunization');
  });

  it('queues a reply to the citizen, records the first response, waits for the answer, keeps notes unsent, and closes with a resolution', async () => {
    const { id, address } = await citizen();
    const { reference } = await services.threads.file({ citizenId: id, channel: 'sms', categoryCode: 'health', text: 'My mother was turned away' });
    tick(30);
    await services.threads.note(health, reference, 'Called the clinic; the doctor was away');
    const before = await db.query('SELECT count(*)::int AS n FROM outbox WHERE address = $1', [address]);
    expect(before[0].n).toBe(0);
    const { thread, delivery } = await services.threads.reply(health, reference, 'Please go back tomorrow, the doctor is in.');
    expect(thread.status).toBe('answered');
    expect(thread.firstResponseAt?.toISOString()).toBe(clock.toISOString());
    expect(delivery).toMatchObject({ queued: true, channel: 'sms', parts: 1 });
    const [queued] = await db.query<{ body: string; kind: string }>('SELECT body, kind FROM outbox WHERE address = $1', [address]);
    expect(queued.body.startsWith(`${reference.slice(0, 4)}-${reference.slice(4, 8)}-${reference.slice(8)}: Please go back tomorrow, the doctor is in.\nReply to answer.`)).toBe(true);
    expect(await services.threads.awaiting(id)).toMatchObject({ reference, status: 'answered' });
    // The wait runs out after DESK_REPLY_HOURS (72).
    tick(72 * 60 + 1);
    expect(await services.threads.awaiting(id)).toBeUndefined();
    const closed = await services.threads.close(health, reference, 'The doctor saw her on Monday.');
    expect(closed.thread).toMatchObject({ status: 'closed', resolution: 'The doctor saw her on Monday.' });
    expect(closed.thread.messages.map((m) => m.author)).toEqual(['citizen', 'note', 'officer']);
    await expect(services.threads.reply(health, reference, 'again')).rejects.toThrow(/closed/);
    const actions = await db.query<{ action: string }>('SELECT action FROM audit_log WHERE target = $1 ORDER BY id', [`thread:${reference}`]);
    expect(actions.map((a) => a.action)).toEqual(['thread.reply', 'thread.close']);
  });

  it('assigns to an officer of the ministry and moves a thread to another ministry, audited under both, out of the first one\'s sight', async () => {
    const { id } = await citizen();
    const { reference } = await services.threads.file({ citizenId: id, channel: 'sms', categoryCode: 'health', text: 'My cash aid did not come' });
    expect(await services.threads.assign(health, reference, { keyId: healthKeyId })).toMatchObject({ assignedKeyId: healthKeyId });
    expect((await services.threads.list(health, { assignedKeyId: healthKeyId, limit: 200 })).map((t) => t.reference)).toContain(reference);
    const moved = await services.threads.assign(health, reference, { ministry: 'mssd', municipality: 'bas-lamitan' });
    expect(moved).toMatchObject({ ministry: 'mssd', municipality: 'bas-lamitan', assignedKeyId: null });
    await expect(services.threads.detail(health, reference)).rejects.toThrow(NotFoundError);
    expect((await services.threads.detail(welfare, reference)).ministry).toBe('mssd');
    const audit = await db.query<{ action: string; ministry_code: string; details: { from: { ministry: string }; to: { ministry: string } } }>(
      'SELECT action, ministry_code, details FROM audit_log WHERE target = $1 ORDER BY id',
      [`thread:${reference}`],
    );
    expect(audit.map((a) => [a.action, a.ministry_code])).toEqual([
      ['thread.assign', 'moh'],
      ['thread.reassign', 'moh'],
      ['thread.reassign', 'mssd'],
    ]);
    expect(audit[1].details.from.ministry).toBe('moh');
    expect(audit[1].details.to.ministry).toBe('mssd');
  });

  it('raises a thread with a flag word (threat, self-harm) to the top of the queue, in any language', async () => {
    const { id } = await citizen();
    const calm = await services.threads.file({ citizenId: id, channel: 'sms', categoryCode: 'health', text: 'Long queue at the clinic' });
    const other = await citizen();
    const urgent = await services.threads.file({ citizenId: other.id, channel: 'sms', categoryCode: 'health', text: 'Gusto ko nang MAGPAKAMATAY' });
    const queue = await services.threads.list(health, { limit: 200 });
    expect(queue[0].reference).toBe(urgent.reference);
    expect(queue[0].flagged).toBe(true);
    expect(queue.find((t) => t.reference === calm.reference)?.flagged).toBe(false);
    // A later message can flag a thread too.
    await services.threads.citizenWrites(id, calm.id, 'আমি আত্মহত্যা করব', 'sms');
    expect((await services.threads.detail(health, calm.reference)).flagged).toBe(true);
  });

  it('measures per office: open counts, medians of time to first response and to resolution, threads past target', async () => {
    // Two offices no other test files into (Maluso and Sumisip, Basilan).
    const file = async (municipalityCode: string) => services.threads.file({ citizenId: (await citizen()).id, channel: 'sms', categoryCode: 'health', municipalityCode, text: 'a case' });
    const a = await file('bas-maluso');
    const b = await file('bas-maluso');
    await file('bas-maluso');
    await file('bas-sumisip');
    tick(60);
    await services.threads.reply(health, a.reference, 'On it');
    tick(120);
    await services.threads.reply(health, b.reference, 'On it');
    tick(60);
    await services.threads.close(health, a.reference, 'Fixed');
    const measures = await services.threads.measures(health);
    expect(measures.find((m) => m.municipality === 'bas-maluso')).toEqual({
      ministry: 'moh',
      municipality: 'bas-maluso',
      open: 2,
      awaitingFirstResponse: 1,
      flagged: 0,
      closed: 1,
      medianFirstResponseMinutes: 120, // 60 and 180
      medianResolutionMinutes: 240,
      // b answered after 3 h (target 2 h); the unanswered one is 4 h old.
      pastTarget: 2,
    });
    expect(measures.find((m) => m.municipality === 'bas-sumisip')).toMatchObject({ open: 1, awaitingFirstResponse: 1, pastTarget: 1 });
    expect(measures.every((m) => m.ministry === 'moh')).toBe(true);
  });

  it("purges a thread's texts RETENTION_DAYS after it closed, keeps an open one's, and an erased citizen's at once; the rows and dates stay", async () => {
    // The purge counts days on the database's clock: these threads are filed and closed 100 days before it.
    const kept = clock;
    clock = new Date(Date.now() - 100 * 86_400_000);
    try {
      const old = await citizen();
      const closed = await services.threads.file({ citizenId: old.id, channel: 'sms', categoryCode: 'health', text: 'My name is Amina, the clinic refused me' });
      await services.threads.reply(health, closed.reference, 'Sorry, Amina; we called them.');
      await services.threads.close(health, closed.reference, 'Resolved by phone.');
      const stillOpen = await services.threads.file({ citizenId: (await citizen()).id, channel: 'sms', categoryCode: 'health', text: 'Still waiting since August' });
      const erased = await citizen();
      const ofErased = await services.threads.file({ citizenId: erased.id, channel: 'sms', categoryCode: 'health', text: 'Please delete me later' });
      await db.query('UPDATE citizens SET deleted_at = now() WHERE id = $1', [erased.id]);
      const purged = await purgeExpired(db, NINETY_DAYS);
      // At least these three (the other tests' threads closed on the fixed test date may be past 90 days too, later on).
      expect(purged.threadMessages).toBeGreaterThanOrEqual(3);
      const after = await services.threads.detail(health, closed.reference);
      expect(after.messages.map((m) => m.body)).toEqual(['', '']);
      expect(after).toMatchObject({ status: 'closed', resolution: 'Resolved by phone.' });
      expect(after.firstResponseAt).not.toBeNull();
      expect((await services.threads.detail(health, stillOpen.reference)).messages[0].body).toBe('Still waiting since August');
      expect((await services.threads.detail(health, ofErased.reference)).messages[0].body).toBe('');
      expect((await purgeExpired(db, NINETY_DAYS)).threadMessages).toBe(0);
    } finally {
      clock = kept;
    }
  });

  it('counts the targets in office hours when DESK_OFFICE_HOURS says so: filed on Saturday, due from Monday morning', async () => {
    const { services: office } = await adminServices(db, [sms], { env: { DESK_TARGETS: 'health=2/48', DESK_OFFICE_HOURS: 'Mon-Fri 08:00-17:00', TIME_ZONE: 'Asia/Manila' }, now: () => new Date('2026-11-28T08:00:00Z') });
    const { id } = await citizen();
    const { reference } = await office.threads.file({ citizenId: id, channel: 'sms', categoryCode: 'health', text: 'Filed on a Saturday afternoon' });
    const item = (await office.threads.list(health, { limit: 200 })).find((thread) => thread.reference === reference)!;
    // Monday 08:00 + 2 h in Manila; 48 h of 9-hour days is five days and 3 hours: the next Monday 11:00.
    expect(item.firstResponseDue.toISOString()).toBe('2026-11-30T02:00:00.000Z');
    expect(item.resolutionDue.toISOString()).toBe('2026-12-07T03:00:00.000Z');
  });

  it('reads DESK_TARGETS per category with a default', () => {
    expect(parseTargets('health=2/48, permits=24/240')).toEqual({ '*': { first: 8, resolution: 120 }, health: { first: 2, resolution: 48 }, permits: { first: 24, resolution: 240 } });
  });
});
