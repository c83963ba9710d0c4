import type { Express } from 'express';
import request from 'supertest';
import fixture from '../../src/channels/bdapps/fixtures/session.json';
import { loadConfig } from '../../src/config';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { LogCapture, optionNumber, startLingkod } from '../support/app';
import { FakeTap } from '../support/fake-tap';
import { smsAndTelegram, type FakeProvider } from '../support/ministries';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import { databaseBackends } from '../support/stores';
import { TAP_PATH, TapPhone } from '../support/tap-phone';

/** The in-memory ephemeral store, whose deletes of some keys a test can hold (to widen a window deterministically). */
class GatedStore extends MemoryEphemeralStore {
  private gate: { prefix: string; open: Promise<void>; reached: () => void } | undefined;

  /** Holds the next deletes of keys starting with `prefix`; `reached` resolves when the first is held. */
  holdDeletes(prefix: string): { reached: Promise<void>; release: () => void } {
    let release = () => undefined as void;
    let reached = () => undefined as void;
    const open = new Promise<void>((resolve) => (release = resolve));
    const first = new Promise<void>((resolve) => (reached = resolve));
    this.gate = { prefix, open, reached };
    return {
      reached: first,
      release: () => {
        this.gate = undefined;
        release();
      },
    };
  }

  override async delete(key: string): Promise<void> {
    const gate = this.gate;
    if (gate && key.startsWith(gate.prefix)) {
      gate.reached();
      await gate.open;
    }
    return super.delete(key);
  }
}

const post = (app: Express, body: unknown, path = TAP_PATH) => request(app).post(path).send(body as object);

describe.each(databaseBackends())('USSD through hSenid TAP (bdapps, Applink), records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;
  let tap: FakeTap;
  let sms: FakeProvider;
  let store: GatedStore;

  beforeAll(async () => {
    tap = await FakeTap.start();
    db = await backend.open();
    const fakes = smsAndTelegram();
    sms = fakes.sms as FakeProvider;
    // A long screen is texted after one page, so a test can see which callers get an SMS.
    store = new GatedStore();
    ({ context, app, logs } = await startLingkod(db, { ...tap.env(), USSD_SMS_FINISH_PAGES: '1', LANGUAGES: 'en,fil,bn' }, { store, extraChannels: [fakes.sms, fakes.telegram] }));
  });
  afterAll(async () => {
    await context.close();
    await tap.close();
  });

  /** A phone that has chosen English, at the main menu. */
  async function englishPhone(sourceAddress: string): Promise<TapPhone> {
    const phone = new TapPhone(app, tap, sourceAddress);
    const first = await phone.dial();
    await phone.press(optionNumber(first.message, 'English'));
    return phone;
  }

  it('answers the documented hops of the fixture with S1000 at once, and sends each screen as an MT', async () => {
    const [first] = fixture.hops;
    for (const [index, hop] of fixture.hops.entries()) {
      const ack = await post(app, hop);
      expect(ack.status).toBe(200);
      expect(ack.body).toEqual({ statusCode: 'S1000', statusDetail: 'Success' });
      const mt = await tap.next((candidate) => candidate.sessionId === first.sessionId, index);
      expect(mt).toMatchObject({
        applicationId: first.applicationId,
        password: tap.password,
        version: '1.0',
        sessionId: first.sessionId,
        destinationAddress: first.sourceAddress,
        ussdOperation: 'mt-cont',
      });
      if (index === 0) expect(mt.message).toMatch(/^Choose your language\n1 English\n2 Filipino\n3 বাংলা/);
      if (index === 1) expect(mt.message).toMatch(/^Lingkod - government services\n/);
    }
    expect(tap.delivered(first.sessionId)).toHaveLength(fixture.hops.length);
  });

  it('refuses a hop without the gateway token with 403 in the platform\'s JSON, before reading it', async () => {
    const before = tap.received.length;
    const phone = new TapPhone(app, tap, 'tel:8801812000111');
    phone.session = '1733399990001';
    for (const path of ['/ussd/bdapps', '/ussd/bdapps?token=wrong-token-wrong-token-wrong-token']) {
      const refused = await post(app, phone.mo('mo-init', '*213*2626#'), path);
      expect(refused.status).toBe(403);
      expect(refused.body).toEqual({ statusCode: 'E1313', statusDetail: 'Authentication failed' });
    }
    const unread = await request(app).post('/ussd/bdapps').type('json').send('{not json');
    expect(unread.status).toBe(403);
    expect(tap.received.length).toBe(before);
  });

  it('answers bad input with a clear 400 in the platform\'s JSON, and sends no screen', async () => {
    const before = tap.received.length;
    const phone = new TapPhone(app, tap, 'tel:8801812000222');
    phone.session = '1733399990002';
    const broken = await request(app).post(TAP_PATH).type('json').send('{"sessionId": ');
    expect(broken.status).toBe(400);
    expect(broken.body).toEqual({ statusCode: 'E1312', statusDetail: 'Request is invalid: the body is not JSON' });

    const huge = await post(app, { ...phone.mo('mo-cont', '1'), padding: 'x'.repeat(20_000) });
    expect(huge.status).toBe(400);
    expect(huge.body.statusCode).toBe('E1312');

    const missing = await post(app, { applicationId: tap.applicationId, ussdOperation: 'mo-init', message: '*213#' });
    expect(missing.status).toBe(400);
    expect(missing.body.statusDetail).toMatch(/check sessionId, sourceAddress, requestId/);

    const wrongOperation = await post(app, phone.mo('mt-fin', '1'));
    expect(wrongOperation.status).toBe(400);
    expect(wrongOperation.body.statusDetail).toContain('ussdOperation');

    for (const sourceAddress of ['8801812000222', 'tel:', 'tel:12', 'tel:abc def']) {
      const bad = await post(app, { ...phone.mo('mo-init', '*213#'), sourceAddress });
      expect(bad.status).toBe(400);
      expect(bad.body.statusCode).toBe('E1325');
    }
    const otherApp = await post(app, { ...phone.mo('mo-init', '*213#'), applicationId: 'APP_999999' });
    expect(otherApp.status).toBe(400);
    expect(otherApp.body.statusDetail).toContain('applicationId');
    expect(tap.received.length).toBe(before);
  });

  it('retries a screen the platform answered 503 (or a passing error code) and delivers it exactly once', async () => {
    tap.failNext(503, 'E1601');
    const phone = new TapPhone(app, tap, 'tel:8801812000333');
    const first = await phone.dial();
    expect(first.message).toMatch(/^Choose your language/);
    expect(tap.received.filter((mt) => mt.sessionId === phone.session).map((mt) => mt.answered)).toEqual(['HTTP 503', 'E1601', 'S1000']);
    // The session goes on, and the first screen is not sent again.
    const menu = await phone.press(optionNumber(first.message, 'English'));
    expect(menu.message).toMatch(/^Lingkod - government services\n/);
    expect(tap.delivered(phone.session).map((mt) => mt.message)).toEqual([first.message, menu.message]);
  });

  it('does not send a screen the platform refused for good again (E1313), and says so without the password', async () => {
    tap.failNext('E1313');
    const phone = new TapPhone(app, tap, 'tel:8801812000444');
    phone.session = '1733399990004';
    await phone.post('mo-init', '*213*2626#');
    expect((await tap.answered(phone.session, 1)).map((mt) => mt.answered)).toEqual(['E1313']);
    // Another session's screen goes out after it; the refused one was tried once.
    const later = new TapPhone(app, tap, 'tel:8801812000445');
    await later.dial();
    expect(tap.received.filter((mt) => mt.sessionId === phone.session).map((mt) => mt.answered)).toEqual(['E1313']);
    expect(logs.lines.some((line) => line.includes('E1313'))).toBe(true);
  });

  it('takes a resent MO (same requestId) once: no second screen and no second step', async () => {
    const phone = await englishPhone('tel:8801812000555');
    const menu = tap.delivered(phone.session).at(-1)!;
    // The platform resends the hop that chose English: acknowledged, nothing more.
    await phone.post('mo-cont', '1', phone.lastRequestId);
    const categories = await phone.press(optionNumber(menu.message, 'Services'));
    expect(categories.message).toMatch(/^Choose a category\n/);
    // Had the resend been a second step, this would choose a service of a category, not a category.
    const health = await phone.press(optionNumber(categories.message, 'Health'));
    expect(health.message).toContain('Medical assistance (MAIP)');
    expect(tap.delivered(phone.session).map((mt) => mt.message)).toEqual([expect.stringMatching(/^Choose your language/), menu.message, categories.message, health.message]);
  });

  it('takes a copy of a hop that arrives while its turn is being taken (new requestId, same input) as that hop', async () => {
    const phone = await englishPhone('tel:8801812000666');
    const menu = tap.delivered(phone.session).at(-1)!;
    const input = optionNumber(menu.message, 'Services');
    // The first copy's turn is held at its end (the mark it lifts), so the second arrives during it.
    const held = store.holdDeletes('ussd-tap:pending:');
    await phone.post('mo-cont', input);
    await held.reached;
    await phone.post('mo-cont', input);
    held.release();
    const categories = await phone.screen();
    expect(categories.message).toMatch(/^Choose a category\n/);
    // Had the copy been a second step, this would choose a service of a category, not a category.
    const health = await phone.press(optionNumber(categories.message, 'Health'));
    expect(health.message).toMatch(/^Choose a service\n/);
    expect(health.message).toContain('Medical assistance (MAIP)');
    expect(health.message).not.toContain('Crisis assistance');
    expect(tap.delivered(phone.session).map((mt) => mt.message)).toEqual([expect.stringMatching(/^Choose your language/), menu.message, categories.message, health.message]);
  });

  it('sends a Bangla screen with the UCS-2 encoding (16), and an English one with 440', async () => {
    const phone = new TapPhone(app, tap, 'tel:8801812000777');
    const first = await phone.dial();
    expect(first.encoding).toBe('16');
    const bangla = await phone.press(optionNumber(first.message, 'বাংলা'));
    expect(bangla.message).toMatch(/[\u0980-\u09FF]/);
    expect(bangla.encoding).toBe('16');
    const english = await englishPhone('tel:8801812000778');
    expect(tap.delivered(english.session).at(-1)).toMatchObject({ encoding: '440', message: expect.stringMatching(/^Lingkod - government services\n/) });
  });

  it('serves a masked subscriber as a citizen of their own, who is never texted', async () => {
    const hash = 'Xq7Lw2RZp0aB9mK4sD1fG6hJ3kV8nC5x';
    const masked = await englishPhone(`tel:${hash}`);
    // The screen goes back to the address as the platform sent it.
    expect(tap.delivered(masked.session).every((mt) => mt.destinationAddress === `tel:${hash}`)).toBe(true);
    // A long screen (texted to a phone after one page here) pages on over USSD only.
    let screen = await masked.press(optionNumber(tap.delivered(masked.session).at(-1)!.message, 'Services'));
    screen = await masked.press(optionNumber(screen.message, 'Civil registry'));
    await masked.press(optionNumber(screen.message, /Late/));
    expect(tap.delivered(masked.session).some((mt) => mt.message.includes('by SMS'))).toBe(false);
    const phone = await englishPhone('tel:8801812000888');
    let control = await phone.press(optionNumber(tap.delivered(phone.session).at(-1)!.message, 'Services'));
    control = await phone.press(optionNumber(control.message, 'Civil registry'));
    expect((await phone.press(optionNumber(control.message, /Late/))).message).toMatch(/^We will send the rest by SMS\./);

    const rows = await db.query<{ citizen_id: number; address: string }>(
      'SELECT citizen_id, address FROM citizen_addresses WHERE address IN ($1, $2) ORDER BY address',
      [`masked:bdapps:${hash}`, 'tel:+8801812000888'],
    );
    expect(rows.map((row) => row.address)).toEqual([`masked:bdapps:${hash}`, 'tel:+8801812000888']);
    expect(rows[0].citizen_id).not.toBe(rows[1].citizen_id);
    // The same screens were texted to the phone: the masked caller got none of them.
    const outbox = await db.query<{ address: string }>('SELECT DISTINCT address FROM outbox WHERE address LIKE $1 OR address = $2', ['masked:%', 'tel:+8801812000888']);
    expect(outbox.map((row) => row.address)).toEqual(['tel:+8801812000888']);
    expect(sms.deliveries.some((delivery) => delivery.address.startsWith('masked:'))).toBe(false);
  });

  it('never writes the application password or a caller\'s number to the logs', () => {
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const line of logs.lines) {
      expect(line).not.toContain(tap.password);
      expect(line).not.toMatch(/8801812000\d{3}/);
    }
  });
});

describe('hSenid TAP while it is not configured', () => {
  it('answers 503 E1315, and says at start-up how to turn it on', async () => {
    const db = await databaseBackends()[0].open();
    const { app, context, logs } = await startLingkod(db);
    try {
      const answer = await post(app, fixture.hops[0]);
      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ statusCode: 'E1315', statusDetail: 'USSD through hSenid TAP is not configured on this server' });
      expect(logs.lines.filter((line) => line.includes('USSD_TAP_URL'))).toHaveLength(1);
    } finally {
      await context.close();
    }
  });

  it('answers 403 while USSD itself is off (no USSD_TOKEN or USSD_ALLOWED_IPS)', async () => {
    const db = await databaseBackends()[0].open();
    const tap = await FakeTap.start();
    const { app, context } = await startLingkod(db, { ...tap.env(), USSD_TOKEN: '' });
    try {
      const answer = await post(app, fixture.hops[0], '/ussd/bdapps');
      expect(answer.status).toBe(403);
      expect(answer.body).toEqual({ statusCode: 'E1315', statusDetail: 'USSD is not configured on this server' });
    } finally {
      await context.close();
      await tap.close();
    }
  });

  it('refuses a plain-http USSD_TAP_URL in production, without echoing it', () => {
    const env = {
      NODE_ENV: 'production',
      PUBLIC_URL: 'https://lingkod.example.gov.bd',
      USSD_TAP_URL: 'http://developer.bdapps.com/ussd/send',
      USSD_TAP_APP_ID: 'APP_000123',
      USSD_TAP_PASSWORD: 'a-password',
    };
    expect(() => loadConfig(env)).toThrow(/USSD_TAP_URL: in production it must be an https:\/\/ address/);
    expect(() => loadConfig({ ...env, USSD_TAP_URL: 'https://developer.bdapps.com/ussd/send' })).not.toThrow();
  });
});
