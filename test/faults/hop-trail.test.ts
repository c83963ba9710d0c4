import type { AppContext } from '../../src/context';
import { purgeExpired } from '../../src/services/retention';
import type { Database } from '../../src/store/sql';
import { codesSentTo } from '../dialogs/support';
import { smsAndTelegram } from '../support/ministries';
import { USSD_PATH, optionNumber, startLingkod, switchableDatabase, type LogCapture, type SwitchableDatabase } from '../support/app';
import { postForm, serve, type Served } from '../support/served';
import { databaseBackends, ephemeralBackends } from '../support/stores';

/**
 * The forensic trail of USSD hops (ussd_hops): every hop's gateway, network, source address,
 * session id, USSD code, time and the citizen it acted for, and never what was typed. An
 * investigator finds the session that erased a citizen from the erasure's audit entry (the
 * query below is the README's); the trail never fails a hop, and is purged after RETENTION_DAYS.
 */
const stores = databaseBackends().map((records, index) => ({ name: `${records.name} and ${ephemeralBackends()[index]?.name ?? 'memory'}`, records, ephemeral: ephemeralBackends()[index] ?? ephemeralBackends()[0] }));

/** The investigator's query: the USSD session (every hop of it) that erased citizen $1. */
const ERASING_SESSION = `
  SELECT a.id AS audit_id, h.gateway, h.network, host(h.source) AS source, h.session_id, h.service_code, h.address, h.citizen_id
    FROM audit_log a
    JOIN LATERAL (SELECT session_id FROM ussd_hops
                   WHERE citizen_id = $1 AND received_at <= a.created_at
                   ORDER BY received_at DESC LIMIT 1) s ON true
    JOIN ussd_hops h ON h.session_id = s.session_id
   WHERE a.action = 'citizen.erase' AND a.target = 'citizen:' || $1 AND a.details->>'channel' = 'ussd'
   ORDER BY h.id`;

describe.each(stores)('the USSD hop trail, records and state on $name', ({ records, ephemeral }) => {
  let db: SwitchableDatabase;
  let context: AppContext;
  let served: Served;
  let logs: LogCapture;

  beforeAll(async () => {
    db = switchableDatabase(await records.open());
    // SMS on (a fake provider): erasing over USSD needs the code texted to the phone.
    const started = await startLingkod(db, {}, { store: ephemeral.open(), extraChannels: Object.values(smsAndTelegram()) });
    ({ context, logs } = started);
    served = await serve(started.app);
  });
  afterAll(async () => {
    await served.close();
    await context.close();
  });

  /** A phone on Africa's Talking with its session id and network. */
  function phone(phoneNumber: string, sessionId: string, networkCode = '51502') {
    const history: string[] = [];
    let last = '';
    const post = async (text: string) => {
      const answer = await postForm(`${served.base}${USSD_PATH}`, { sessionId, serviceCode: '*347#', phoneNumber, networkCode, text });
      expect(answer.status).toBe(200);
      last = answer.text;
      // A caller reads each screen before the next key: the hop's row is written meanwhile.
      await context.hops.settled();
      return last;
    };
    return {
      dial: () => post(''),
      press: (input: string) => {
        history.push(input);
        return post(history.join('*'));
      },
      get last() {
        return last;
      },
    };
  }

  it('records each hop without its content, and leads from an erasure to the session that made it', async () => {
    const number = '+639172100001';
    const caller = phone(number, 'ATUid_genuine_erasure');
    await caller.dial();
    await caller.press(optionNumber(caller.last, 'English'));
    await caller.press(optionNumber(caller.last, 'Services'));
    await caller.press('0');
    await caller.press(optionNumber(caller.last, 'My data'));
    await caller.press(optionNumber(caller.last, 'Delete my data'));
    expect(await caller.press(optionNumber(caller.last, 'Yes, delete'))).toMatch(/^CON We sent a code by SMS/);
    const [code] = await codesSentTo(context, number);
    expect(await caller.press(code)).toMatch(/^END Your data has been deleted/);
    await context.hops.settled();

    const [{ citizen_id: citizenId }] = await db.query<{ citizen_id: string }>("SELECT citizen_id FROM ussd_hops WHERE session_id = 'ATUid_genuine_erasure' AND citizen_id IS NOT NULL LIMIT 1");
    const trail = await db.query(ERASING_SESSION, [citizenId]);
    expect(trail).toHaveLength(8);
    for (const hop of trail) {
      expect(hop).toMatchObject({ gateway: 'africastalking', network: '51502', source: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/), session_id: 'ATUid_genuine_erasure', service_code: '*347#', address: `tel:${number}` });
    }
    // Each row names the citizen the address belonged to when it was written: all between the
    // choice of language (a dial makes nobody a citizen; choosing a language keeps something)
    // and the erasing hop (written once the address was gone) name them, and every row names the address.
    expect(trail.slice(2, -1).every((hop) => String(hop.citizen_id) === String(citizenId))).toBe(true);
    // Nothing typed is kept: the columns are these, and no value is an input.
    const [row] = await db.query("SELECT * FROM ussd_hops WHERE session_id = 'ATUid_genuine_erasure' ORDER BY id DESC LIMIT 1");
    expect(Object.keys(row).sort()).toEqual(['address', 'citizen_id', 'gateway', 'id', 'network', 'received_at', 'service_code', 'session_id', 'source']);
  });

  it('finds no USSD session behind an erasure made another way', async () => {
    const citizen = await context.citizens.findOrCreate('tel:+639172100002', 'sms');
    // The citizen used USSD once, long before; the erasure came by SMS.
    await phone('+639172100002', 'ATUid_old_session').dial();
    await context.hops.settled();
    await db.query("UPDATE ussd_hops SET received_at = now() - interval '1 day' WHERE session_id = 'ATUid_old_session'");
    await context.dataRights.erase(citizen.id, 'sms');
    expect(await db.query(ERASING_SESSION, [citizen.id])).toEqual([]);
  });

  it('serves every hop while the trail cannot be written, says so once, and once again when it can', async () => {
    db.refuse = /ussd_hops/;
    const callers = Array.from({ length: 10 }, (_, index) => phone(`+63917210${String(index + 100).padStart(4, '0')}`, `ATUid_trail_down_${index}`));
    for (const caller of callers) expect(await caller.dial()).toMatch(/^CON /);
    await context.hops.settled();
    db.refuse = undefined;
    expect(await phone('+639172100200', 'ATUid_trail_back').dial()).toMatch(/^CON /);
    await context.hops.settled();
    const lines = logs.lines.join('\n');
    expect(lines.match(/could not record USSD hops/g)).toHaveLength(1);
    expect(lines).toMatch(/"lost":10[,}].*recorded in the trail again/);
    expect(await db.query("SELECT id FROM ussd_hops WHERE session_id LIKE 'ATUid_trail_down_%'")).toEqual([]);
    expect(await db.query("SELECT id FROM ussd_hops WHERE session_id = 'ATUid_trail_back'")).toHaveLength(1);
  });

  it('is purged after its retention (here 90 days), newer rows kept', async () => {
    await phone('+639172100300', 'ATUid_old').dial();
    await phone('+639172100300', 'ATUid_recent').dial();
    await context.hops.settled();
    await db.query("UPDATE ussd_hops SET received_at = now() - interval '91 days' WHERE session_id = 'ATUid_old'");
    await db.query("UPDATE ussd_hops SET received_at = now() - interval '89 days' WHERE session_id = 'ATUid_recent'");
    const purged = await purgeExpired(db as Database, { messages: { reply: 90, status: 90, notice: 90, broadcast: 90 }, traces: 90, threads: 90 });
    expect(purged.hops).toBeGreaterThanOrEqual(1);
    expect((await db.query<{ session_id: string }>("SELECT session_id FROM ussd_hops WHERE session_id IN ('ATUid_old', 'ATUid_recent')")).map((row) => row.session_id)).toEqual(['ATUid_recent']);
  });
});
