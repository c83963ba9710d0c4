import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import request from 'supertest';
import type { AppContext } from '../../../src/context';
import inbound from '../../../src/channels/infobip/fixtures/inbound.json';
import sendAnswers from '../../../src/channels/infobip/fixtures/send-answer.json';

/** Our Infobip account for tests: made-up credentials. */
export const INFOBIP_SECRETS = {
  INFOBIP_API_KEY: 'ibk-0123456789abcdef0123456789abcdef-test',
  INFOBIP_WEBHOOK_USER: 'infobip-forwarder',
  INFOBIP_WEBHOOK_PASSWORD: 'wh-pass-7Kq2ZxR9mB4vL8nC',
  INFOBIP_WEBHOOK_TOKEN: 'wh-token-Y1pF6hJ0sD3gT5uE',
};

/** The settings that turn Infobip on against a fake at `baseUrl`. */
export function infobipEnv(baseUrl: string): Record<string, string> {
  return { ...INFOBIP_SECRETS, INFOBIP_BASE_URL: baseUrl, INFOBIP_SENDER: 'LINGKOD', INFOBIP_RATE_PER_SECOND: '1000', PUBLIC_URL: 'https://lingkod.example.gov.ph' };
}

/** One request the fake received. */
export interface FakeCall {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: { messages?: { destinations: { to: string; messageId?: string }[]; from: string; text: string; notifyUrl?: string; notifyContentType?: string }[] };
}

/**
 * Infobip's SMS API on loopback, built from its documentation: `POST /sms/2/text/advanced`
 * with `Authorization: App <key>` answers 200 with one PENDING_ACCEPTED message per destination
 * (the messageId we gave, or one of its own); a wrong key gets 401 and Infobip's error body.
 * `next` overrides the answer to the next calls (status, body, headers), one each.
 */
export class FakeInfobip {
  readonly calls: FakeCall[] = [];
  readonly next: { status: number; body: unknown; headers?: Record<string, string> }[] = [];
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      let body: FakeCall['body'] = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FakeCall['body'];
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ requestError: { serviceException: { messageId: 'BAD_REQUEST', text: 'Bad request' } } }));
        return;
      }
      this.calls.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const send = (status: number, answer: unknown, headers: Record<string, string> = {}) =>
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(answer));
      if (req.method !== 'POST' || req.url !== '/sms/2/text/advanced') return send(404, { requestError: { serviceException: { messageId: 'NOT_FOUND', text: 'Not found' } } });
      if (req.headers.authorization !== `App ${INFOBIP_SECRETS.INFOBIP_API_KEY}`) return send(401, sendAnswers.unauthorized);
      const told = this.next.shift();
      if (told) return send(told.status, told.body, told.headers);
      const messages = (body.messages ?? []).flatMap((message) =>
        message.destinations.map((destination) => ({ ...sendAnswers.accepted.messages[0], to: destination.to, messageId: destination.messageId ?? randomUUID() })),
      );
      send(200, { bulkId: randomUUID(), messages });
    });
  });

  /** Texts sent to a number (E.164 with or without +), oldest first. */
  textsTo(number: string): string[] {
    const to = number.replace(/^\+/, '');
    return this.calls.flatMap((call) => (call.body.messages ?? []).filter((message) => message.destinations.some((destination) => destination.to === to)).map((message) => message.text));
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** `Authorization: Basic …` for the test forwarding credentials (or others). */
export function basic(user = INFOBIP_SECRETS.INFOBIP_WEBHOOK_USER, password = INFOBIP_SECRETS.INFOBIP_WEBHOOK_PASSWORD): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

/** The path with the test token. */
export const withToken = (path: string) => `${path}?token=${encodeURIComponent(INFOBIP_SECRETS.INFOBIP_WEBHOOK_TOKEN)}`;

/** An MO_JSON_2 forward of one text: the fixture with this sender, text and a fresh id. */
export function forwardOf(from: string, text: string, messageId = `ib-mo-${randomUUID()}`) {
  const [result] = inbound.results;
  return { ...inbound, results: [{ ...result, messageId, from: from.replace(/^\+/, ''), text, cleanText: text, keyword: text.split(/\s+/)[0]?.toUpperCase() ?? '' }] };
}

/** Posts a forward to an Infobip webhook path as Infobip would, with both credentials. */
export function postForward(app: Express, path: string, body: unknown) {
  return request(app).post(withToken(path)).set('Authorization', basic()).set('Content-Type', 'application/json').send(JSON.stringify(body));
}

/** Sends every message queued (replies included) through the dispatcher. */
export async function drain(context: AppContext): Promise<void> {
  while ((await context.dispatcher.runOnce()) > 0) {
    // next batch
  }
}

/**
 * A phone texting Lingkod's Infobip number: each text is one MO_JSON_2 forward; the reply is
 * what the dispatcher then sends to the fake Infobip API for this number ('' for none).
 */
export class InfobipPhone {
  constructor(
    private readonly lingkod: { app: Express; context: AppContext },
    private readonly fake: FakeInfobip,
    readonly number: string,
  ) {}

  async send(text: string): Promise<string> {
    const before = this.fake.textsTo(this.number).length;
    const response = await postForward(this.lingkod.app, '/sms/infobip', forwardOf(this.number, text));
    if (response.status !== 200) throw new Error(`Infobip webhook answered ${response.status}: ${response.text}`);
    await drain(this.lingkod.context);
    const sent = this.fake.textsTo(this.number).slice(before);
    return sent.join('\n');
  }
}
