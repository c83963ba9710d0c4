import { ConflictError, ForbiddenError, InvalidError, NotFoundError, type Actor } from '../../src/services/access';
import type { AdminServices } from '../../src/services/admin';
import { CitizenService } from '../../src/services/citizens';
import { verhoeffCheckDigit } from '../../src/services/reference';
import { RequestService } from '../../src/services/requests';
import type { Database } from '../../src/store/sql';
import { adminServices, newKey, smsAndTelegram } from '../support/ministries';
import { databaseBackends } from '../support/stores';

describe.each(databaseBackends())('request statuses on $name', (backend) => {
  let db: Database;
  let services: AdminServices;
  let mssd: Actor;
  let moh: Actor;
  let citizens: CitizenService;
  let requests: RequestService;

  beforeAll(async () => {
    db = await backend.open();
    const { sms, telegram } = smsAndTelegram();
    ({ services } = await adminServices(db, [sms, telegram]));
    mssd = (await newKey(db, 'mssd')).actor;
    moh = (await newKey(db, 'moh')).actor;
    citizens = new CitizenService(db);
    requests = new RequestService(db);
  });
  afterAll(async () => {
    await db.close();
  });

  /** A citizen who last wrote from `address` on `channel`, in `locale`, with a fresh request for crisis assistance (MSSD). */
  async function requestFrom(address: string, channel: string, locale: string | null, answers: Record<string, string> = { full_name: 'Amina' }) {
    const citizen = await citizens.findOrCreate(address, channel);
    if (locale) await citizens.setLocale(citizen.id, locale);
    const { reference } = await requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers, channel });
    return { citizen, reference };
  }

  const outboxFor = (reference: string) =>
    db.query<{ address: string; channel: string; body: string; kind: string; priority: number }>(
      'SELECT o.address, o.channel, o.body, o.kind, o.priority FROM outbox o JOIN requests r ON r.id = o.request_id WHERE r.reference = $1 ORDER BY o.id',
      [reference],
    );

  it('moves the request, records who and why, and queues one notification by SMS for a phone last used over USSD, in Filipino', async () => {
    const { reference } = await requestFrom('tel:+639171110001', 'ussd', 'fil');
    const { request, notification } = await services.requests.changeStatus(mssd, reference, { status: 'approved', note: 'Dalhin ang ID.' });

    expect(request.status).toBe('approved');
    expect(request.history.map((event) => [event.status, event.actor, event.note])).toEqual([
      ['received', 'citizen', null],
      ['approved', mssd.label, 'Dalhin ang ID.'],
    ]);
    expect(notification).toEqual({ queued: true, channel: 'sms', outboxId: expect.any(Number) });
    const messages = await outboxFor(reference);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ address: 'tel:+639171110001', channel: 'sms', kind: 'status', priority: 2 });
    const formatted = `${reference.slice(0, 4)}-${reference.slice(4, 8)}-${reference.slice(8)}`;
    expect(messages[0].body).toBe(
      `Lingkod: May bagong status ang request mo ${formatted} (Tulong sa krisis (AICS)): Aprubado.\nPaalala mula sa opisina: Dalhin ang ID.`,
    );
    const [audit] = await db.query('SELECT key_id, actor, action, target, details FROM audit_log WHERE target = $1', [`request:${reference}`]);
    expect(Number(audit.key_id)).toBe(mssd.keyId);
    expect(audit).toMatchObject({ action: 'request.status', details: { from: 'received', to: 'approved', notified: true } });
  });

  it('reaches a citizen last seen on Telegram there, in Bangla, without a note line when there is no note', async () => {
    const { reference } = await requestFrom('telegram:5550001', 'telegram', 'bn');
    await services.requests.changeStatus(mssd, reference, { status: 'in_review' });
    const [message] = await outboxFor(reference);
    expect(message).toMatchObject({ address: 'telegram:5550001', channel: 'telegram' });
    expect(message.body).toContain('সংকটকালীন সহায়তা (AICS)');
    expect(message.body).toContain('যাচাই চলছে');
    expect(message.body.split('\n')).toHaveLength(1);
  });

  it('refuses a status outside the workflow, a step back, and the same status again, leaving no message behind', async () => {
    const { reference } = await requestFrom('tel:+639171110002', 'sms', null);
    await expect(services.requests.changeStatus(mssd, reference, { status: 'teleported' })).rejects.toThrow(InvalidError);
    await services.requests.changeStatus(mssd, reference, { status: 'approved' });
    await expect(services.requests.changeStatus(mssd, reference, { status: 'approved' })).rejects.toThrow(ConflictError);
    await expect(services.requests.changeStatus(mssd, reference, { status: 'in_review' })).rejects.toThrow(/allowBackwards/);
    expect(await outboxFor(reference)).toHaveLength(1);
    expect((await services.requests.detail(mssd, reference)).status).toBe('approved');
  });

  it('moves backwards only when the change says so explicitly', async () => {
    const { reference } = await requestFrom('tel:+639171110003', 'sms', 'en');
    await services.requests.changeStatus(mssd, reference, { status: 'needs_info', note: 'Send the barangay certificate.' });
    const { request } = await services.requests.changeStatus(mssd, reference, { status: 'in_review', allowBackwards: true });
    expect(request.status).toBe('in_review');
    expect(await outboxFor(reference)).toHaveLength(2);
    const [audit] = await db.query("SELECT details FROM audit_log WHERE target = $1 AND details->>'to' = 'in_review'", [`request:${reference}`]);
    expect(audit.details).toMatchObject({ backwards: true });
  });

  it("refuses another ministry's key, changing nothing", async () => {
    const { reference } = await requestFrom('tel:+639171110004', 'sms', null);
    // Not found, as a reference that does not exist: another ministry never learns it is real.
    await expect(services.requests.changeStatus(moh, reference, { status: 'approved' })).rejects.toThrow(NotFoundError);
    await expect(services.requests.detail(moh, reference)).rejects.toThrow(NotFoundError);
    expect((await services.requests.detail(mssd, reference)).status).toBe('received');
    expect(await outboxFor(reference)).toHaveLength(0);
  });

  it('commits the change but says so when the citizen has no address on a channel that is on', async () => {
    const { reference } = await requestFrom('sim:demo-1', 'simulator', null);
    const { notification } = await services.requests.changeStatus(mssd, reference, { status: 'in_review' });
    expect(notification).toEqual({ queued: false, reason: expect.stringContaining('no address') });
    expect(await outboxFor(reference)).toHaveLength(0);
  });

  it('answers a mistyped reference with the reason, and an unknown one with not found', async () => {
    await expect(services.requests.detail(mssd, '1234')).rejects.toThrow(/11 digits/);
    const { reference } = await requestFrom('tel:+639171110005', 'sms', null);
    const wrongCheck = reference.slice(0, 10) + String((Number(reference[10]) + 1) % 10);
    await expect(services.requests.detail(mssd, wrongCheck)).rejects.toThrow(/check digit/);
    await expect(services.requests.detail(mssd, `0000000000${verhoeffCheckDigit('0000000000')}`)).rejects.toThrow(NotFoundError);
  });

  it('notifies exactly once when two officers send the same change at the same moment', async () => {
    const { reference } = await requestFrom('tel:+639171110006', 'sms', null);
    const outcomes = await Promise.allSettled([
      services.requests.changeStatus(mssd, reference, { status: 'approved' }),
      services.requests.changeStatus(mssd, reference, { status: 'approved' }),
    ]);
    expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
    expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({ reason: expect.any(ConflictError) });
    expect(await outboxFor(reference)).toHaveLength(1);
  });

  describe('listing', () => {
    let listed: string[];

    beforeAll(async () => {
      // A fresh set in one municipality nobody else used, so filters have something to tell apart.
      listed = [];
      for (let index = 0; index < 5; index++) {
        const { reference } = await requestFrom(`tel:+63917222000${index}`, 'sms', null, { full_name: 'Listed', municipality: 'bas-akbar' });
        listed.push(reference);
      }
      await services.requests.changeStatus(mssd, listed[0], { status: 'in_review' });
    });

    it('filters by municipality and status, newest first, a page at a time', async () => {
      const first = await services.requests.list(mssd, { municipality: 'bas-akbar', limit: 3 });
      expect(first.items.map((item) => item.reference)).toEqual([...listed].reverse().slice(0, 3));
      expect(first.nextCursor).not.toBeNull();
      const second = await services.requests.list(mssd, { municipality: 'bas-akbar', limit: 3, cursor: first.nextCursor ?? undefined });
      expect(second.items.map((item) => item.reference)).toEqual([...listed].reverse().slice(3));
      expect(second.nextCursor).toBeNull();
      const inReview = await services.requests.list(mssd, { municipality: 'bas-akbar', status: 'in_review', limit: 50 });
      expect(inReview.items.map((item) => item.reference)).toEqual([listed[0]]);
      expect(inReview.items[0]).toMatchObject({ service: 'mssd-aics', ministry: 'mssd', municipality: 'bas-akbar' });
    });

    it('filters by service and creation date', async () => {
      const all = await services.requests.list(mssd, { service: 'mssd-aics', limit: 200 });
      expect(all.items.length).toBeGreaterThanOrEqual(5);
      const future = await services.requests.list(mssd, { service: 'mssd-aics', from: new Date(Date.now() + 3_600_000), limit: 50 });
      expect(future.items).toEqual([]);
      const past = await services.requests.list(mssd, { service: 'mssd-aics', to: new Date(Date.now() - 3_600_000), limit: 50 });
      expect(past.items).toEqual([]);
    });

    it("shows a ministry only its own requests, and refuses to list another ministry's", async () => {
      expect((await services.requests.list(moh, { limit: 200 })).items.filter((item) => item.ministry !== 'moh')).toEqual([]);
      await expect(services.requests.list(moh, { ministry: 'mssd', limit: 10 })).rejects.toThrow(ForbiddenError);
    });

    it('refuses a cursor it did not give out', async () => {
      await expect(services.requests.list(mssd, { limit: 10, cursor: 'bm9wZQ' })).rejects.toThrow(InvalidError);
    });
  });
});
