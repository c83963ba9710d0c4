import { randomUUID } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { loadConfig } from '../../src/config';
import { createContext, type AppContext, type ContextOverrides } from '../../src/context';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/log';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import { StoreUnavailableError, type Database, type Queryable, type Row } from '../../src/store/sql';
import { Writable } from 'node:stream';

/** The fixed "today" of every test: no test depends on the wall clock. */
export const TODAY = new Date('2026-11-28T08:00:00Z');

/**
 * The USSD gateway's token in every test (USSD_TOKEN): startLingkod sets it, and the test phones
 * put it in the callback URL as Africa's Talking does. The one place tests learn it.
 */
export const USSD_TEST_TOKEN = 'ussd-T3st-gW7kQ2xZ9mR4vB8nL5cY1pF6hJ0';

/** The USSD callback path, token included, as the gateway is configured to call it. */
export const USSD_PATH = `/ussd/africastalking?token=${encodeURIComponent(USSD_TEST_TOKEN)}`;

/** Every log line written during a test, to prove what is (not) in them. */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

/**
 * A whole Lingkod instance on a given database (with the sample catalog loaded on first use),
 * in-memory ephemeral state unless another store is given, and logs captured. USSD is on with
 * USSD_TEST_TOKEN unless `env` says otherwise (`USSD_TOKEN: ''` turns it off).
 */
export async function startLingkod(
  db: Database,
  env: Record<string, string> = {},
  overrides: ContextOverrides = {},
): Promise<{ context: AppContext; app: Express; logs: LogCapture }> {
  const logs = new LogCapture();
  const config = loadConfig({ LOG_LEVEL: 'info', USSD_TOKEN: USSD_TEST_TOKEN, ...env });
  const context = await createContext(config, {
    db,
    store: new MemoryEphemeralStore(),
    log: createLogger('info', logs),
    now: () => TODAY,
    ...overrides,
  });
  return { context, app: createApp(context), logs };
}

/** A feature phone dialling the USSD code through Africa's Talking, hop by hop over real HTTP. */
export class UssdPhone {
  private session = '';
  private history: string[] = [];
  /** The last reply, with its CON/END prefix. */
  last = '';

  constructor(
    private app: Express,
    readonly phoneNumber = '+639171234567',
  ) {}

  /** Sends the next hops to another instance, as a load balancer may. */
  via(app: Express): this {
    this.app = app;
    return this;
  }

  /** Dials: a new session, empty text. */
  async dial(): Promise<string> {
    this.session = `ATUid_${randomUUID()}`;
    this.history = [];
    return this.post('');
  }

  /** Types `input` and presses send. */
  async press(input: string): Promise<string> {
    this.history.push(input);
    return this.post(this.history.join('*'));
  }

  /** Sends the same hop again, as a gateway does when it timed out waiting. */
  async retry(): Promise<string> {
    return this.post(this.history.join('*'));
  }

  /**
   * Types `input`, and sends the same hop again while the first is still unanswered, as a
   * gateway that gave up waiting does (to `retryVia`, another instance, when given).
   */
  async pressWithEarlyRetry(input: string, retryVia: Express = this.app): Promise<[string, string]> {
    this.history.push(input);
    const text = this.history.join('*');
    const first = this.post(text);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const retried = this.post(text, retryVia);
    return Promise.all([first, retried]);
  }

  /** Presses each input in turn and returns the last reply. */
  async walk(...inputs: string[]): Promise<string> {
    for (const input of inputs) await this.press(input);
    return this.last;
  }

  /** Types an input given form-encoded as the gateway would pass it on (e.g. with `%00`). */
  async pressEncoded(encodedInput: string): Promise<string> {
    const text = [...this.history.map(encodeURIComponent), encodedInput].join('*');
    this.history.push(decodeURIComponent(encodedInput));
    return this.send(`sessionId=${this.session}&serviceCode=*347%23&phoneNumber=${encodeURIComponent(this.phoneNumber)}&networkCode=51502&text=${text}`);
  }

  private post(text: string, app: Express = this.app): Promise<string> {
    return this.send({ sessionId: this.session, serviceCode: '*347#', phoneNumber: this.phoneNumber, networkCode: '51502', text }, app);
  }

  private async send(body: string | Record<string, string>, app: Express = this.app): Promise<string> {
    const response = await request(app).post(USSD_PATH).type('form').send(body);
    if (response.status !== 200) throw new Error(`USSD hop answered ${response.status}: ${response.text}`);
    this.last = response.text;
    return response.text;
  }
}

/** The number an option label has on a screen ("3 Health" → "3"). */
export function optionNumber(screen: string, label: string | RegExp): string {
  const line = screen.replace(/^(CON|END) /, '').split('\n').find((candidate) => (typeof label === 'string' ? candidate.includes(label) : label.test(candidate)));
  const match = line ? /^(\d+) /.exec(line) : null;
  if (!match) throw new Error(`no option ${String(label)} on screen:\n${screen}`);
  return match[1];
}

/**
 * A records store that can be switched off, to see how Lingkod behaves while PostgreSQL is
 * unreachable: every call fails as a dropped connection does. With `refuse` set, only the
 * statements it matches fail (inside transactions too): the connection lost half-way through.
 * With `delayMs`, each transaction waits that long before it starts: a slow database.
 */
export type SwitchableDatabase = Database & { down: boolean; refuse?: RegExp; delayMs: number };

export function switchableDatabase(db: Database): SwitchableDatabase {
  const failIf = (sql?: string) => {
    if (switchable.down || (sql !== undefined && switchable.refuse?.test(sql))) throw new StoreUnavailableError('PostgreSQL unavailable: ECONNREFUSED');
  };
  const switchable: SwitchableDatabase = {
    down: false,
    refuse: undefined,
    delayMs: 0,
    engine: db.engine,
    async query<R extends Row = Row>(sql: string, params?: unknown[]): Promise<R[]> {
      failIf(sql);
      return db.query<R>(sql, params);
    },
    async exec(script: string): Promise<void> {
      failIf(script);
      return db.exec(script);
    },
    async transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
      failIf();
      if (switchable.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, switchable.delayMs));
      return db.transaction((tx) =>
        work({
          query: <R extends Row = Row>(sql: string, params?: unknown[]) => {
            failIf(sql);
            return tx.query<R>(sql, params);
          },
          exec: (script: string) => {
            failIf(script);
            return tx.exec(script);
          },
        }),
      );
    },
    close: () => db.close(),
  };
  return switchable;
}
