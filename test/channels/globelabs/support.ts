import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import fixtures from '../../../src/channels/globelabs/fixtures/globelabs.json';
import type { AppContext } from '../../../src/context';

/** The Notify and Redirect URIs' secret in these tests (GLOBELABS_WEBHOOK_TOKEN). */
export const GLOBE_WEBHOOK_TOKEN = 'gl-T3st-wH9kQ2xZ9mR4vB8nL5cY1pF6hJ0aa';

/** A Globe Labs app for tests: made-up short code, id and secret; the API is a loopback fake. */
export function globeEnv(apiUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GLOBELABS_API_URL: apiUrl,
    GLOBELABS_SHORTCODE: '21584321',
    GLOBELABS_APP_ID: 'xkR7aBcDeFgHiJkLmNoPqRsTuVwXyZ01',
    GLOBELABS_APP_SECRET: 'c0ffee0123456789abcdef0123456789abcdef0123456789abcdef0123456789',
    GLOBELABS_WEBHOOK_TOKEN: GLOBE_WEBHOOK_TOKEN,
    SMS_REPLIES_PER_MINUTE: '1000',
    ...extra,
  };
}

export const NOTIFY_PATH = `/sms/globelabs?token=${GLOBE_WEBHOOK_TOKEN}`;
export const REDIRECT_PATH = `/sms/globelabs/subscriptions?token=${GLOBE_WEBHOOK_TOKEN}`;

/** A text as Globe Labs posts it to the Notify URI: the documented shape with our values. */
export function inboundBody(from: string, text: string, messageId: string | null): unknown {
  const [message] = fixtures.inbound.inboundSMSMessageList.inboundSMSMessage;
  return { inboundSMSMessageList: { ...fixtures.inbound.inboundSMSMessageList, inboundSMSMessage: [{ ...message, senderAddress: `tel:${from}`, message: text, messageId }] } };
}

/** One part of a long text, as Globe Labs posts each part (its own request, `numberOfMessagesInThisBatch` = parts). */
export function partBody(from: string, refId: string, seq: number, total: number, text: string): unknown {
  const [message] = fixtures.multipart[0].inboundSMSMessageList.inboundSMSMessage;
  return {
    inboundSMSMessageList: {
      ...fixtures.multipart[0].inboundSMSMessageList,
      inboundSMSMessage: [{ ...message, senderAddress: `tel:${from}`, message: text, messageId: `${refId.slice(0, 16)}${seq}`, multipartRefId: refId, multipartSeqNum: String(seq) }],
      numberOfMessagesInThisBatch: String(total),
    },
  };
}

/** One request the fake API received. */
export interface Received {
  senderAddress: string;
  accessToken: string;
  clientCorrelator: string;
  address: string;
  message: string;
}

/**
 * A loopback fake of Globe Labs' SMS-MT API, from its documentation: `POST
 * /smsmessaging/v1/outbound/{senderAddress}/requests?access_token=…` with
 * `outboundSMSMessageRequest`, 201 with the request echoed; 401 for a token it does not know
 * (revoked); a repeated clientCorrelator (for the same subscriber's token) is accepted and not delivered twice. `next` answers
 * the next requests with given statuses (503, 429, …) instead.
 */
export class FakeGlobeLabs {
  /** Messages delivered to phones (a repeated clientCorrelator once). */
  readonly delivered: Received[] = [];
  /** Every request, delivered or not. */
  readonly requests: Received[] = [];
  readonly tokens = new Set<string>();
  readonly next: { status: number; headers?: Record<string, string>; body?: string }[] = [];
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }

  /** What phone `number` (E.164) was sent, oldest first. */
  to(number: string): string[] {
    return this.delivered.filter((item) => item.address === `tel:${number}`).map((item) => item.message);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const match = /^\/smsmessaging\/v1\/outbound\/([^/]+)\/requests$/.exec(url.pathname);
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };
    if (req.method !== 'POST' || !match) return reply(404, { error: 'not found' });
    let parsed: { outboundSMSMessageRequest?: { clientCorrelator?: string; senderAddress?: string; outboundSMSTextMessage?: { message?: string }; address?: string } };
    try {
      parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return reply(400, { error: 'invalid JSON' });
    }
    const body = parsed.outboundSMSMessageRequest;
    const received: Received = {
      senderAddress: decodeURIComponent(match[1]),
      accessToken: url.searchParams.get('access_token') ?? '',
      clientCorrelator: body?.clientCorrelator ?? '',
      address: body?.address ?? '',
      message: body?.outboundSMSTextMessage?.message ?? '',
    };
    this.requests.push(received);
    const scripted = this.next.shift();
    if (scripted) return reply(scripted.status, scripted.body ?? { error: `scripted ${scripted.status}` }, scripted.headers);
    if (!body?.address || !body.outboundSMSTextMessage?.message || body.senderAddress !== received.senderAddress) return reply(400, { error: 'Wrong or missing parameters' });
    if (!this.tokens.has(received.accessToken)) return reply(401, { error: `invalid access_token ${received.accessToken}` });
    const seen = this.delivered.some((item) => item.clientCorrelator === received.clientCorrelator && item.accessToken === received.accessToken && received.clientCorrelator !== '');
    if (!seen) this.delivered.push(received);
    reply(201, { ...fixtures.outboundResponse, outboundSMSMessageRequest: { ...fixtures.outboundResponse.outboundSMSMessageRequest, address: body.address, outboundSMSTextMessage: { message: received.message } } });
  }
}

/** Sends everything queued, as the dispatcher would. */
export async function drain(context: AppContext): Promise<void> {
  while ((await context.dispatcher.runOnce()) > 0) {
    // drain
  }
}

/** A Globe subscriber: opts in (the Redirect URI gets its token), then texts the short code; `send` returns the reply ('' for none). */
export class GlobePhone {
  private sequence = 0;

  constructor(
    private readonly lingkod: { app: Express; context: AppContext },
    private readonly fake: FakeGlobeLabs,
    readonly number: string,
    readonly token = `tok_${number.slice(1)}_${Math.random().toString(36).slice(2, 12)}`,
  ) {}

  /** INFO, then YES: Globe Labs calls the Redirect URI with the access token (GET, as documented). */
  async optIn(): Promise<void> {
    this.fake.tokens.add(this.token);
    const response = await request(this.lingkod.app).get(`${REDIRECT_PATH}&access_token=${this.token}&subscriber_number=${this.number.replace(/^\+63/, '')}`);
    if (response.status !== 200) throw new Error(`opt-in answered ${response.status}: ${response.text}`);
  }

  async send(text: string): Promise<string> {
    const before = this.fake.to(this.number).length;
    const id = `${Date.now().toString(16)}${(this.sequence++).toString(16).padStart(6, '0')}${this.number.slice(-4)}`;
    const response = await request(this.lingkod.app).post(NOTIFY_PATH).send(inboundBody(this.number, text, id) as object);
    if (response.status !== 200) throw new Error(`Notify URI answered ${response.status}: ${response.text}`);
    await drain(this.lingkod.context);
    return this.fake.to(this.number).slice(before).join('\n');
  }
}
