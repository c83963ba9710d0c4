import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import semaphoreFixture from '../../../src/channels/semaphore/fixtures/send.json';
import m360Fixture from '../../../src/channels/m360/fixtures/send.json';
import sslFixture from '../../../src/channels/sslwireless/fixtures/send.json';

/** One documented answer: status, headers and body (JSON, or text when a string). */
export interface FixtureAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export interface Fixture {
  provider: string;
  path: string;
  contentType: string;
  request: Record<string, unknown>;
  success: FixtureAnswer;
  refusals: Record<string, FixtureAnswer>;
}

export const FIXTURES = {
  semaphore: semaphoreFixture as Fixture,
  m360: m360Fixture as Fixture,
  sslwireless: sslFixture as Fixture,
};

export type ProviderName = keyof typeof FIXTURES;

/** The secrets each fake accepts, as the provider checks the account. */
export const SECRETS = { semaphore: 'sem-K3y-9f8e7d6c5b4a', m360: 'm360-S3cret-a1b2c3d4', sslwireless: 'ssl-T0ken-0f1e2d3c4b' };

/** The settings that turn one provider on against a fake at `base`. */
export function providerEnv(provider: ProviderName, base: string): Record<string, string> {
  if (provider === 'semaphore') return { SEMAPHORE_API_URL: base, SEMAPHORE_API_KEY: SECRETS.semaphore, SEMAPHORE_SENDER: 'LINGKOD' };
  if (provider === 'm360') return { M360_API_URL: base, M360_USERNAME: 'lingkod-app', M360_PASSWORD: SECRETS.m360, M360_SHORTCODE_MASK: 'LINGKOD' };
  return { SSLWIRELESS_API_URL: base, SSLWIRELESS_API_TOKEN: SECRETS.sslwireless, SSLWIRELESS_SID: 'LINGKODBD' };
}

/**
 * A loopback fake of one aggregator's send API, from its fixture (its docs): it checks the
 * path, the content type, the account's secret and the documented fields, answers success as
 * the docs show, or the refusal a test queued. Semaphore's fake drops "TEST…" messages
 * silently, as Semaphore does; SSL Wireless's refuses a csms_id already used the same day.
 */
export class FakeAggregator {
  readonly received: Array<Record<string, string | boolean>> = [];
  /** Semaphore only: messages accepted and silently not sent. */
  readonly dropped: Array<Record<string, string | boolean>> = [];
  /** Refusals to answer next, in order (by fixture name). */
  readonly queue: string[] = [];
  /** A route that starts failing: every request after the `after`-th gets this answer (a 503 of an outage, or a documented refusal). */
  failing?: { after: number; answer: FixtureAnswer };
  /** SSL Wireless only: the fake's date (the provider's day), for csms_id uniqueness. */
  today = '2026-11-28';
  base = '';
  private readonly csmsIds = new Set<string>();
  private server?: Server;
  private readonly fixture: Fixture;

  constructor(readonly provider: ProviderName) {
    this.fixture = FIXTURES[provider];
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      void this.answer(req).then(({ status, headers, body }) => {
        res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      });
    }).listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => this.server!.once('listening', () => resolve()));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  private async answer(req: IncomingMessage): Promise<FixtureAnswer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (req.method !== 'POST' || req.url !== this.fixture.path) return { status: 404, body: 'Not Found' };
    if (!String(req.headers['content-type']).startsWith(this.fixture.contentType)) return { status: 415, body: 'Unsupported Media Type' };
    const fields: Record<string, string | boolean> =
      this.fixture.contentType === 'application/json' ? (JSON.parse(raw) as Record<string, string | boolean>) : Object.fromEntries(new URLSearchParams(raw));
    const missing = Object.keys(this.fixture.request).filter((name) => fields[name] === undefined || fields[name] === '');
    if (missing.length > 0) return { status: 422, body: { error: `missing ${missing.join(', ')}` } };
    this.received.push(fields);
    if (this.failing && this.received.length > this.failing.after) return this.failing.answer;
    const queued = this.queue.shift();
    if (queued) return this.fixture.refusals[queued];
    return this.accept(fields);
  }

  private accept(fields: Record<string, string | boolean>): FixtureAnswer {
    const { refusals, success } = this.fixture;
    if (this.provider === 'semaphore') {
      if (fields.apikey !== SECRETS.semaphore) return refusals['bad-key'];
      if (/^\s*test/i.test(String(fields.message))) this.dropped.push(fields);
      const [message] = success.body as Array<Record<string, unknown>>;
      return { status: 200, body: [{ ...message, message_id: 7300100 + this.received.length, recipient: fields.number, message: fields.message }] };
    }
    if (this.provider === 'm360') {
      if (fields.app_secret !== SECRETS.m360) return refusals['bad-credentials'];
      return { status: 201, body: { ...(success.body as object), transid: `M360-${5510200 + this.received.length}` } };
    }
    if (fields.api_token !== SECRETS.sslwireless) return refusals['bad-token'];
    const csmsId = String(fields.csms_id);
    if (csmsId.length > 20) return { status: 200, body: { status: 'FAILED', status_code: 4020, error_message: 'Invalid CSMS ID' } };
    const key = `${this.today}|${csmsId}`;
    if (this.csmsIds.has(key)) return refusals['duplicate-csms-id'];
    this.csmsIds.add(key);
    const body = success.body as { smsinfo: Array<Record<string, unknown>> };
    return { status: 200, body: { ...body, smsinfo: [{ ...body.smsinfo[0], msisdn: fields.msisdn, sms_body: fields.sms, csms_id: csmsId, reference_id: `ref${this.received.length}` }] } };
  }
}

/** A fake of `provider` running for the describe block that calls this; the getter gives it. */
export function fakeFor(provider: ProviderName): () => FakeAggregator {
  let fake: FakeAggregator | undefined;
  beforeAll(async () => {
    fake = await new FakeAggregator(provider).start();
  });
  afterAll(async () => {
    await fake?.stop();
  });
  return () => fake!;
}
