import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Express } from 'express';
import request from 'supertest';
import type { AppContext } from '../../src/context';
import type { EphemeralStore } from '../../src/store/ephemeral';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import type { Database } from '../../src/store/sql';
import { LogCapture, USSD_TEST_TOKEN, startLingkod } from './app';
import { databaseBackends } from './stores';
import { optionOn, type DriverFactory, type UssdScreen } from './ussd-journey';

/** One hop as a test phone means it; each family writes it in its own JSON. */
export interface WireHop {
  session: string;
  /** The caller's number as these gateways send it: digits, no `+`. */
  phone: string;
  kind: 'start' | 'continue' | 'left';
  /** The newest input; on a start, the string dialled. */
  input: string;
  /** The hop's number in its session, from 1 (for a gateway that sends one). */
  sequence: number;
  /** For `left`: the family's word for why (Hubtel's `release` or `timeout`). */
  why?: string;
}

/** A JSON latest-input family (src/channels/latest-input) as its gateway speaks it, for the tests. */
export interface LatestInputWire {
  /** As in its path: `hubtel`. */
  family: string;
  /** For test names: `Hubtel`. */
  label: string;
  body(hop: WireHop): Record<string, unknown>;
  /** The keys of every answer the family gives. */
  answerKeys: string[];
  screenOf(answer: Record<string, unknown>): UssdScreen;
  /** The family documents a message for a session the citizen ended (Hubtel's release). */
  leaves: boolean;
  /** Whether a hop numbered by the gateway is told from the same input again by its number. */
  numbered: boolean;
}

/** A family's callback path, with the token as the gateway is configured to send it (null: none). */
const pathOf = (wire: LatestInputWire, token: string | null = USSD_TEST_TOKEN) => `/ussd/${wire.family}${token === null ? '' : `?token=${encodeURIComponent(token)}`}`;

/** Posts one body to a family's endpoint; the answer as JSON with its status. */
export async function postHop(app: Express, wire: LatestInputWire, body: unknown, token?: string): Promise<{ status: number; json: Record<string, unknown>; text: string }> {
  const response = await request(app).post(pathOf(wire, token)).set('content-type', 'application/json').send(typeof body === 'string' ? body : JSON.stringify(body));
  return { status: response.status, json: (response.body ?? {}) as Record<string, unknown>, text: response.text };
}

/** A feature phone on a latest-input gateway: it sends only the newest input, and numbers its hops. */
export class LatestInputPhone {
  private session = '';
  private sequence = 0;
  private last: WireHop | undefined;

  constructor(
    private readonly app: Express,
    private readonly wire: LatestInputWire,
    readonly phoneNumber: string,
  ) {}

  private get phone(): string {
    return this.phoneNumber.replace(/^\+/, '');
  }

  /** A new session: the dial (`*347#`, or a direct dial such as `*347*2*1#`). */
  dial(dialled = '*347#'): Promise<UssdScreen> {
    this.session = `${this.wire.family}-${randomUUID()}`;
    this.sequence = 0;
    return this.hop('start', dialled);
  }

  /** Types `input` and presses send. */
  press(input: string): Promise<UssdScreen> {
    return this.hop('continue', input);
  }

  /** The gateway's word that the citizen ended the session (or it timed out). */
  leave(why?: string): Promise<UssdScreen> {
    return this.hop('left', '', why);
  }

  /** The last hop again, as a gateway sends it when it gave up waiting for the answer. */
  retry(): Promise<UssdScreen> {
    return this.send(this.last!);
  }

  /** Types `input`, and sends the same hop again after `afterMs` while the first is unanswered. */
  async pressWithEarlyRetry(input: string, afterMs = 100): Promise<[UssdScreen, UssdScreen]> {
    const first = this.press(input);
    await new Promise((resolve) => setTimeout(resolve, afterMs));
    return Promise.all([first, this.retry()]);
  }

  private hop(kind: WireHop['kind'], input: string, why?: string): Promise<UssdScreen> {
    this.sequence += 1;
    this.last = { session: this.session, phone: this.phone, kind, input, sequence: this.sequence, why };
    return this.send(this.last);
  }

  private async send(hop: WireHop): Promise<UssdScreen> {
    const answer = await postHop(this.app, this.wire, this.wire.body(hop));
    if (answer.status !== 200) throw new Error(`${this.wire.label} hop answered ${answer.status}: ${answer.text}`);
    expect(Object.keys(answer.json).sort()).toEqual([...this.wire.answerKeys].sort());
    return this.wire.screenOf(answer.json);
  }
}

/** The journey's test phone for a family (test/support/ussd-journey.ts). */
export const latestInputDriver =
  (wire: LatestInputWire): DriverFactory =>
  ({ app }, number) =>
    new LatestInputPhone(app, wire, number);

/** The provider-shaped session of src/channels/<family>/fixtures/session.json. */
interface Manifest {
  family: string;
  path: string;
  method: string;
  contentType: string;
  source: string;
  hops: Record<string, unknown>[];
}

/**
 * An ephemeral store whose dialog writes can be made slow, so that a gateway's retry arrives
 * while the hop it repeats is still being answered.
 */
class SlowDialogStore extends MemoryEphemeralStore {
  delayMs = 0;
  override async set(key: string, value: string, ttlSeconds: number): Promise<void> {
    if (this.delayMs > 0 && key.startsWith('dialog:')) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
    return super.set(key, value, ttlSeconds);
  }
}

let numbers = 0;
/** The `index`th caller's number of this test file (a fresh one when not given): +63917 5xx xxxx. */
const freshNumber = (index = ++numbers) => `+639175${String(process.pid % 100).padStart(2, '0')}${String(index).padStart(4, '0')}`;

/** The `lingkod_hops_total` count of one outcome. */
async function outcomes(app: Express, outcome: string): Promise<number> {
  const metrics = await request(app).get('/metrics');
  const match = new RegExp(`lingkod_hops_total\\{channel="ussd",outcome="${outcome}"\\} (\\d+)`).exec(metrics.text);
  return match ? Number(match[1]) : 0;
}

/**
 * A family's endpoint as its gateway reaches it: refused without the token, its fixtures
 * replayed, bad bodies answered 400 in its own shape, retries answered from the saved reply,
 * a direct dial taken as a route, and a session the citizen leaves ended politely.
 */
export function latestInputWireTests(wire: LatestInputWire): void {
  describe(`${wire.label} USSD on the wire (POST /ussd/${wire.family})`, () => {
    let db: Database;
    let store: SlowDialogStore;
    let lingkod: { app: Express; context: AppContext; logs: LogCapture };
    const phone = (number = freshNumber()) => new LatestInputPhone(lingkod.app, wire, number);

    beforeAll(async () => {
      db = await databaseBackends()[0].open();
      store = new SlowDialogStore();
      lingkod = await startLingkod(db, {}, { store: store as EphemeralStore });
    });
    afterAll(async () => {
      await lingkod.context.close();
    });
    afterEach(() => {
      store.delayMs = 0;
    });

    it('refuses a hop without the token, or with a wrong one: 403, nothing served', async () => {
      const body = wire.body({ session: 'forged-1', phone: '639175550001', kind: 'start', input: '*347#', sequence: 1 });
      const refused = await request(lingkod.app).post(pathOf(wire, null)).set('content-type', 'application/json').send(JSON.stringify(body));
      expect(refused.status).toBe(403);
      expect((await postHop(lingkod.app, wire, body, `${USSD_TEST_TOKEN}x`)).status).toBe(403);
      await lingkod.context.hops.settled();
      const [{ n }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM ussd_hops WHERE address = $1', ['tel:+639175550001']);
      expect(Number(n)).toBe(0);
    });

    it('replays the provider-shaped session of its fixtures', async () => {
      const manifest = JSON.parse(readFileSync(path.resolve(__dirname, '../../src/channels', wire.family, 'fixtures/session.json'), 'utf8')) as Manifest;
      expect(manifest).toMatchObject({ family: wire.family, path: `/ussd/${wire.family}`, method: 'POST', contentType: 'application/json', source: expect.stringMatching(/https?:\/\/|\//) });
      const screens: UssdScreen[] = [];
      for (const body of manifest.hops) {
        const answer = await postHop(lingkod.app, wire, body);
        expect(answer.status).toBe(200);
        expect(Object.keys(answer.json).sort()).toEqual([...wire.answerKeys].sort());
        screens.push(wire.screenOf(answer.json));
      }
      expect(screens[0]).toEqual({ final: false, text: expect.stringMatching(/^Choose your language\n1 English/) });
      expect(screens[1]).toEqual({ final: false, text: expect.stringMatching(/^Lingkod - government services\n/) });
      expect(screens[2].final).toBe(false);
      expect(screens[2].text).not.toBe(screens[1].text);
      if (wire.leaves) expect(screens[3]).toEqual({ final: true, text: 'Goodbye. Dial again any time.' });
    });

    it.each([
      ['an empty object', {}],
      ['a hop without its session', (() => {
        const body = wire.body({ session: 'x', phone: '639175550002', kind: 'start', input: '*347#', sequence: 1 });
        return Object.fromEntries(Object.entries(body).filter(([key]) => !/session/i.test(key)));
      })()],
      ['an array', []],
      ['a number that is not one', wire.body({ session: 'bad-phone', phone: 'abcdefgh', kind: 'start', input: '*347#', sequence: 1 })],
    ])('answers %s with 400 in its own shape, naming what is wrong', async (_what, body) => {
      const answer = await postHop(lingkod.app, wire, body);
      expect(answer.status).toBe(400);
      expect(Object.keys(answer.json).sort()).toEqual([...wire.answerKeys].sort());
      const screen = wire.screenOf(answer.json);
      expect(screen).toEqual({ final: true, text: expect.stringMatching(/^Bad request: /) });
    });

    it('answers a body that is not JSON, or larger than 8 kB, with 400 in its own shape, never 5xx', async () => {
      const koi8 = await request(lingkod.app).post(pathOf(wire)).set('content-type', 'application/json; charset=koi8-r').send('{}');
      expect(koi8.status).toBe(400);
      expect(wire.screenOf(koi8.body)).toEqual({ final: true, text: 'Bad request: the body is not JSON in UTF-8' });
      for (const body of ['{"broken": ', 'not json at all', JSON.stringify({ ...wire.body({ session: 'big', phone: '639175550003', kind: 'start', input: '*347#', sequence: 1 }), padding: 'x'.repeat(9000) })]) {
        const answer = await postHop(lingkod.app, wire, body);
        expect(answer.status).toBe(400);
        expect(wire.screenOf(answer.json)).toEqual({ final: true, text: expect.stringMatching(/^Bad request: the body (is not JSON in UTF-8|is larger than 8kb)$/) });
      }
    });

    it('answers a retry sent while the hop is still answered with the same screen, and takes no second step', async () => {
      const caller = phone();
      const first = await caller.dial();
      store.delayMs = 400;
      const [answered, retried] = await caller.pressWithEarlyRetry(optionOn(first, 'English'));
      store.delayMs = 0;
      expect(answered.text).toMatch(/^Lingkod - government services\n/);
      expect(retried).toEqual(answered);
      // One step: the main menu's options still lead where they say.
      expect((await caller.press(optionOn(answered, 'Check a status'))).text).not.toMatch(/^Lingkod - government services\n/);
      // A retry after the answer: a gateway that numbers its hops is answered from the saved reply too.
      if (wire.numbered) {
        const next = await caller.press('0');
        expect(await caller.retry()).toEqual(next);
      }
    });

    it('takes the same input again, once answered, as a new hop: "1" three times is three steps', async () => {
      const caller = phone();
      const screens = [await caller.dial()];
      for (let step = 0; step < 3; step++) screens.push(await caller.press('1'));
      expect(new Set(screens.map((screen) => screen.text)).size).toBe(4);
    });

    it('takes a direct dial such as *347*1*1# as the dial and then each input, landing where the walk does', async () => {
      const walker = phone();
      const languages = await walker.dial();
      const menu = await walker.press(optionOn(languages, 'English'));
      const walked = await walker.press(optionOn(menu, 'Services'));
      expect(walked.final).toBe(false);
      const dialled = await phone().dial(`*347*${optionOn(languages, 'English')}*${optionOn(menu, 'Services')}#`);
      expect(dialled).toEqual(walked);
      // A dial of the code alone is the first screen, as ever.
      expect(await phone().dial('*347#')).toEqual(languages);
    });

    if (wire.leaves) {
      it.each(['release', 'timeout'])('ends a session the citizen left (%s) politely, and reports it dropped', async (why) => {
        const caller = phone();
        await caller.press(optionOn(await caller.dial(), 'English'));
        const before = await outcomes(lingkod.app, 'session-dropped');
        expect(await caller.leave(why)).toEqual({ final: true, text: 'Goodbye. Dial again any time.' });
        expect(await outcomes(lingkod.app, 'session-dropped')).toBe(before + 1);
      });

      it('reports a session ended after its last screen as completed', async () => {
        // A number outside ALLOWED_COUNTRY_CODES is answered with one final screen.
        const caller = phone('+12025550123');
        expect((await caller.dial()).final).toBe(true);
        const before = await outcomes(lingkod.app, 'session-completed');
        expect((await caller.leave()).final).toBe(true);
        expect(await outcomes(lingkod.app, 'session-completed')).toBe(before + 1);
      });
    }

    it('offers a form cut off by a session that ended mid-way on the next dial', async () => {
      const caller = phone();
      let screen = await caller.press(optionOn(await caller.dial(), 'English'));
      for (const label of ['Services', 'Social welfare', 'Crisis assistance', 'Apply now']) screen = await caller.press(optionOn(screen, label));
      expect(screen.text).toContain('Question 1 of 3');
      await caller.press('Amina Datu');
      if (wire.leaves) await caller.leave();
      expect(await caller.dial()).toEqual({ final: false, text: 'You have an unfinished request for Crisis assistance (AICS). Continue it?\n1 Yes\n2 No' });
    });

    it('writes no caller number to the logs, after all of the above', () => {
      const logged = lingkod.logs.lines.join('\n');
      expect(logged).toContain('malformed USSD hop refused');
      for (const number of ['9171230', '9175550', '2025550123', ...Array.from({ length: numbers }, (_, index) => freshNumber(index + 1).slice(4))]) expect(logged).not.toContain(number);
    });
  });
}
