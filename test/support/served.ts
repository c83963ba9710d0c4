import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { USSD_PATH } from './app';

/**
 * The app listening on a loopback port for the length of a test file, for tests that send
 * thousands of requests (or many at once): one server and keep-alive connections, where
 * supertest would start a server per request.
 */
export interface Served {
  /** `http://127.0.0.1:<port>` */
  base: string;
  close(): Promise<void>;
}

export async function serve(app: Express): Promise<Served> {
  const server: Server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** An HTTP answer, read whole. */
export interface Answer {
  status: number;
  text: string;
  /** Milliseconds from sending to the whole answer. */
  ms: number;
}

/** Sends one request and reads the answer; a connection failure is status 0. */
export async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const started = performance.now();
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    return { status: response.status, text, ms: performance.now() - started };
  } catch (error) {
    return { status: 0, text: (error as Error).message, ms: performance.now() - started };
  }
}

/** Posts a url-encoded form. */
export function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Answer> {
  return send(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
}

/** A feature phone on Africa's Talking USSD against a served app (like test/support/app.ts's UssdPhone, over real sockets). */
export class HttpUssdPhone {
  private session = '';
  private history: string[] = [];
  last = '';

  constructor(
    private readonly base: string,
    readonly phoneNumber: string,
    /** The mobile network the gateway names (Africa's Talking's networkCode). */
    readonly networkCode = '51502',
  ) {}

  async dial(): Promise<string> {
    this.session = `ATUid_${randomUUID()}`;
    this.history = [];
    return this.post('');
  }

  async press(input: string): Promise<string> {
    this.history.push(input);
    return this.post(this.history.join('*'));
  }

  async walk(...inputs: string[]): Promise<string> {
    for (const input of inputs) await this.press(input);
    return this.last;
  }

  private async post(text: string): Promise<string> {
    const answer = await postForm(`${this.base}${USSD_PATH}`, { sessionId: this.session, serviceCode: '*347#', phoneNumber: this.phoneNumber, networkCode: this.networkCode, text });
    if (answer.status !== 200) throw new Error(`USSD hop answered ${answer.status}: ${answer.text}`);
    this.last = answer.text;
    return answer.text;
  }
}
