import { loadSampleCatalogIfEmpty } from '../../src/services/catalog-import';
import { CitizenService } from '../../src/services/citizens';
import { hasPhone, linkPhone } from '../../src/services/linking';
import { markReachable, markUnreachable, preferredAddress, pushChannelFor } from '../../src/services/reachability';
import { RequestService } from '../../src/services/requests';
import { SubscriptionService } from '../../src/services/subscriptions';
import type { Database } from '../../src/store/sql';
import { databaseBackends } from '../support/stores';

describe('the channel that pushes to an address', () => {
  it('is SMS for a phone, whether it was last used by SMS or USSD', () => {
    expect(pushChannelFor('tel:+639171234567', 'ussd')).toBe('sms');
    expect(pushChannelFor('tel:+639171234567', 'sms')).toBe('sms');
  });

  it('is the bot for a Telegram chat, and the recorded channel for anything else', () => {
    expect(pushChannelFor('telegram:5550001001', 'telegram')).toBe('telegram');
    expect(pushChannelFor('sim:abc', 'simulator')).toBe('simulator');
  });
});

describe.each(databaseBackends())('reaching a citizen and linking their addresses, records on $name', (backend) => {
  let db: Database;
  let citizens: CitizenService;
  let requests: RequestService;
  let subscriptions: SubscriptionService;
  let service: string;
  let topics: string[];
  let municipality: string;
  let next = 0;

  beforeAll(async () => {
    db = await backend.open();
    await loadSampleCatalogIfEmpty(db);
    citizens = new CitizenService(db);
    requests = new RequestService(db);
    subscriptions = new SubscriptionService(db);
    service = (await db.query<{ code: string }>('SELECT code FROM services WHERE form IS NOT NULL ORDER BY code LIMIT 1'))[0].code;
    topics = (await db.query<{ code: string }>('SELECT code FROM topics ORDER BY code LIMIT 2')).map((row) => row.code);
    municipality = (await db.query<{ code: string }>('SELECT code FROM municipalities ORDER BY code LIMIT 1'))[0].code;
  });
  afterAll(async () => {
    await db.close();
  });

  /** Fresh addresses for each test, so tests never share a citizen. */
  const addresses = () => {
    next++;
    return { phone: `tel:+6391700${String(next).padStart(5, '0')}`, chat: `telegram:55503${String(next).padStart(5, '0')}` };
  };
  /** Sets when an address was last used, so the order is the test's, not the clock's. */
  const seenAt = (address: string, iso: string) => db.query('UPDATE citizen_addresses SET last_seen_at = $2 WHERE address = $1', [address, iso]);
  const citizenOf = async (address: string) =>
    Number((await db.query<{ citizen_id: string }>('SELECT citizen_id FROM citizen_addresses WHERE address = $1', [address]))[0].citizen_id);

  describe('status updates reach the citizen on the channel they used last', () => {
    it('goes to the Telegram chat when that was used last, and by SMS once they dial again', async () => {
      const { phone, chat } = addresses();
      const citizen = await citizens.findOrCreate(phone, 'ussd');
      await citizens.findOrCreate(chat, 'telegram');
      await linkPhone(db, chat, phone);
      await seenAt(phone, '2026-11-20T08:00:00Z');
      await seenAt(chat, '2026-11-21T08:00:00Z');
      expect(await preferredAddress(db, citizen.id)).toEqual({ address: chat, channel: 'telegram' });
      await seenAt(phone, '2026-11-22T08:00:00Z');
      expect(await preferredAddress(db, citizen.id)).toEqual({ address: phone, channel: 'sms' });
    });

    it('skips an unreachable address until it is reachable again', async () => {
      const { phone, chat } = addresses();
      const citizen = await citizens.findOrCreate(phone, 'sms');
      await citizens.findOrCreate(chat, 'telegram');
      await linkPhone(db, chat, phone);
      await seenAt(phone, '2026-11-20T08:00:00Z');
      await seenAt(chat, '2026-11-21T08:00:00Z');
      await markUnreachable(db, chat);
      expect(await preferredAddress(db, citizen.id)).toEqual({ address: phone, channel: 'sms' });
      await markReachable(db, chat);
      expect(await preferredAddress(db, citizen.id)).toEqual({ address: chat, channel: 'telegram' });
    });

    it('chooses only among the channels that are on', async () => {
      const { phone, chat } = addresses();
      const citizen = await citizens.findOrCreate(phone, 'ussd');
      await citizens.findOrCreate(chat, 'telegram');
      await linkPhone(db, chat, phone);
      await seenAt(phone, '2026-11-20T08:00:00Z');
      await seenAt(chat, '2026-11-21T08:00:00Z');
      expect(await preferredAddress(db, citizen.id, ['sms', 'simulator'])).toEqual({ address: phone, channel: 'sms' });
      expect(await preferredAddress(db, citizen.id, ['simulator'])).toBeUndefined();
    });

    it('ranks a phone shared in Telegram but never used after the chat, and uses it when the chat is blocked', async () => {
      const { phone, chat } = addresses();
      const citizen = await citizens.findOrCreate(chat, 'telegram');
      expect(await linkPhone(db, chat, phone)).toBe('linked');
      expect(await preferredAddress(db, citizen.id)).toEqual({ address: chat, channel: 'telegram' });
      await markUnreachable(db, chat);
      expect(await preferredAddress(db, citizen.id)).toEqual({ address: phone, channel: 'sms' });
    });

    it('finds no address for a citizen who cannot be reached anywhere', async () => {
      const { chat } = addresses();
      const citizen = await citizens.findOrCreate(chat, 'telegram');
      await markUnreachable(db, chat);
      expect(await preferredAddress(db, citizen.id)).toBeUndefined();
      expect(await preferredAddress(db, 987_654_321)).toBeUndefined();
    });
  });

  describe('linking a Telegram chat to a phone', () => {
    it('adds an unknown phone to the chat\'s citizen, so a later dial from it is the same citizen', async () => {
      const { phone, chat } = addresses();
      const citizen = await citizens.findOrCreate(chat, 'telegram');
      expect(await hasPhone(db, chat)).toBe(false);
      expect(await linkPhone(db, chat, phone)).toBe('linked');
      expect(await hasPhone(db, chat)).toBe(true);
      expect((await citizens.findOrCreate(phone, 'ussd')).id).toBe(citizen.id);
      expect(await linkPhone(db, chat, phone)).toBe('already');
    });

    it('merges the chat\'s citizen into the phone\'s: requests, subscriptions and queued messages move, the chat\'s language wins, an opt-out stays', async () => {
      const { phone, chat } = addresses();
      const caller = await citizens.findOrCreate(phone, 'ussd');
      await citizens.setLocale(caller.id, 'fil');
      await db.query('UPDATE citizens SET opted_out = true WHERE id = $1', [caller.id]);
      const byPhone = await requests.submit({ citizenId: caller.id, serviceCode: service, answers: {}, channel: 'ussd' });
      await subscriptions.subscribe(caller.id, topics[0], municipality);

      const chatter = await citizens.findOrCreate(chat, 'telegram');
      await citizens.setLocale(chatter.id, 'bn');
      const byChat = await requests.submit({ citizenId: chatter.id, serviceCode: service, answers: {}, channel: 'telegram' });
      await subscriptions.subscribe(chatter.id, topics[0], municipality);
      await subscriptions.subscribe(chatter.id, topics[1], municipality);
      await db.query(`INSERT INTO outbox (address, channel, body, kind, citizen_id) VALUES ($1, 'telegram', 'hello', 'notice', $2)`, [chat, chatter.id]);

      expect(await linkPhone(db, chat, phone)).toBe('merged');

      expect(await citizenOf(chat)).toBe(caller.id);
      expect((await requests.listFor(caller.id)).map((request) => request.reference).sort()).toEqual([byPhone.reference, byChat.reference].sort());
      expect(await requests.listFor(chatter.id)).toEqual([]);
      expect((await subscriptions.listFor(caller.id)).map((subscription) => subscription.topicCode).sort()).toEqual([...topics].sort());
      expect(await subscriptions.listFor(chatter.id)).toEqual([]);
      const [merged] = await db.query<{ locale: string; opted_out: boolean }>('SELECT locale, opted_out FROM citizens WHERE id = $1', [caller.id]);
      expect(merged).toEqual({ locale: 'bn', opted_out: true });
      const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox WHERE citizen_id = $1', [chatter.id]);
      expect(n).toBe(0);
      // The emptied citizen holds nothing: no address points to it.
      const [{ left }] = await db.query<{ left: number }>('SELECT count(*)::int AS left FROM citizen_addresses WHERE citizen_id = $1', [chatter.id]);
      expect(left).toBe(0);
    });

    it('refuses to link a chat that has no citizen yet', async () => {
      const { phone, chat } = addresses();
      await expect(linkPhone(db, chat, phone)).rejects.toThrow('no citizen');
    });
  });
});
