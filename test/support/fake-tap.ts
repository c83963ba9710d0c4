import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import mt from '../../src/channels/bdapps/fixtures/mt.json';

/** One MT request as the fake platform received it. */
export interface ReceivedMt {
  applicationId: string;
  password: string;
  version?: string;
  message: string;
  sessionId: string;
  ussdOperation: string;
  destinationAddress: string;
  encoding?: string;
  /** What the fake answered: `S1000`, an error code, or `HTTP 503`. */
  answered: string;
}

/**
 * hSenid TAP's `ussd/send` as a real local HTTP server, built from the shapes in
 * src/channels/bdapps/fixtures/mt.json (the platform's documentation): it checks the
 * credentials (E1313) and the mandatory fields (E1312), answers S1000 with a requestId, and can
 * be told to fail the next requests (HTTP 503, or a documented error code in a 200) or to hold
 * its answers until released.
 */
export class FakeTap {
  readonly received: ReceivedMt[] = [];
  private failures: (number | string)[] = [];
  private held: (() => void)[] | undefined;
  private waiters: { match: (mt: ReceivedMt) => boolean; seen: number; resolve: (mt: ReceivedMt) => void }[] = [];
  private count = 0;

  private constructor(
    private readonly server: Server,
    readonly applicationId: string,
    readonly password: string,
  ) {}

  static async start(applicationId = 'APP_000123', password = 'tap-Pw-9kQ2xZ7mR4vB8nL5cY1'): Promise<FakeTap> {
    let fake: FakeTap | undefined;
    const server = createServer((req, res) => void fake!.handle(req, res));
    fake = new FakeTap(server, applicationId, password);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return fake;
  }

  /** The URL to give Lingkod as USSD_TAP_URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ussd/send`;
  }

  /** The env that points a Lingkod at this fake. */
  env(): Record<string, string> {
    return { USSD_TAP_URL: this.url, USSD_TAP_APP_ID: this.applicationId, USSD_TAP_PASSWORD: this.password };
  }

  /** The next requests fail, in order: an HTTP status (503), or a status code answered in a 200 (`E1601`). */
  failNext(...failures: (number | string)[]): void {
    this.failures.push(...failures);
  }

  /** Holds every answer until `release()`. */
  hold(): void {
    this.held = [];
  }

  release(): void {
    const held = this.held ?? [];
    this.held = undefined;
    for (const answer of held) answer();
  }

  /** The MTs of one session that the fake took (answered S1000). */
  delivered(sessionId: string): ReceivedMt[] {
    return this.received.filter((mt) => mt.sessionId === sessionId && mt.answered === 'S1000');
  }

  /** Resolves with the MT at index `seen` among those `match` accepts that the fake took (received already or still to come). */
  next(match: (mt: ReceivedMt) => boolean, seen = 0): Promise<ReceivedMt> {
    const taken = this.taken(match);
    if (taken.length > seen) return Promise.resolve(taken[seen]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no MT arrived at the fake hSenid TAP within 15 s')), 15_000);
      this.waiters.push({ match, seen, resolve: (mt) => (clearTimeout(timer), resolve(mt)) });
    });
  }

  /** Resolves once `count` requests of `sessionId` have been answered, whatever the answer. */
  async answered(sessionId: string, count: number): Promise<ReceivedMt[]> {
    const of = () => this.received.filter((mt) => mt.sessionId === sessionId && mt.answered !== '');
    for (let waited = 0; of().length < count; waited += 10) {
      if (waited > 15_000) throw new Error(`the fake hSenid TAP answered ${of().length} of ${count} requests of a session within 15 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return of();
  }

  private taken(match: (mt: ReceivedMt) => boolean): ReceivedMt[] {
    return this.received.filter((mt) => mt.answered === 'S1000' && match(mt));
  }

  async close(): Promise<void> {
    this.release();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
    } catch {
      answer(200, { statusCode: 'E1312', statusDetail: mt.errors.E1312 });
      return;
    }
    const received = { ...(body as unknown as ReceivedMt), answered: '' };
    this.received.push(received);
    const failure = this.failures.shift();
    const finish = () => {
      if (req.method !== 'POST' || req.url !== '/ussd/send') {
        received.answered = 'HTTP 404';
        answer(404, { statusCode: 'E1312', statusDetail: 'Not found' });
      } else if (typeof failure === 'number') {
        received.answered = `HTTP ${failure}`;
        res.writeHead(failure, { 'content-type': 'text/html' });
        res.end('<html><body>Service Unavailable</body></html>');
      } else if (typeof failure === 'string') {
        received.answered = failure;
        answer(200, { statusCode: failure, statusDetail: (mt.errors as Record<string, string>)[failure] ?? 'Error' });
      } else if (body.applicationId !== this.applicationId || body.password !== this.password) {
        received.answered = 'E1313';
        answer(200, { statusCode: 'E1313', statusDetail: mt.errors.E1313 });
      } else if (mt.required.some((field) => typeof body[field] !== 'string') || !mt.operations.includes(String(body.ussdOperation))) {
        received.answered = 'E1312';
        answer(200, { statusCode: 'E1312', statusDetail: mt.errors.E1312 });
      } else {
        received.answered = 'S1000';
        answer(200, { ...mt.answer, requestId: `1014120400${String(++this.count).padStart(8, '0')}` });
        for (const waiter of [...this.waiters]) {
          const taken = this.taken(waiter.match);
          if (taken.length <= waiter.seen) continue;
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(taken[waiter.seen]);
        }
      }
    };
    if (this.held) this.held.push(finish);
    else finish();
  }
}
