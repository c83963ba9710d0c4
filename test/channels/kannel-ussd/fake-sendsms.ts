import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One sendsms request as smsbox would take it. */
export interface SendsmsCall {
  to: string;
  from: string;
  text: string;
  smsc: string;
  coding: string;
  /** The meta-data parameter, once URL-decoded (`?smpp?ussd_service_op=2&its_session_info=%2A%02`). */
  meta: string;
  /** The TLVs it names: the operation as written, its_session_info's octets. */
  op: string;
  info?: Buffer;
  username: string;
  password: string;
}

/** How the fake answers one call: a status and body, or no answer at all. */
export type SendsmsAnswer = { status: number; body: string } | 'hang';

/**
 * smsbox's sendsms interface as Kannel's user guide describes it (GET, 202 "0: Accepted for
 * delivery"), for tests that do not run the real Kannel: records each call, and answers from
 * a queue a test fills (a 503, a request never answered), else 202.
 */
export class FakeSendsms {
  readonly calls: SendsmsCall[] = [];
  readonly answers: SendsmsAnswer[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const query = new URL(req.url ?? '/', 'http://sendsms').searchParams;
      const meta = query.get('meta-data') ?? '';
      const tlvs = meta.replace(/^\?smpp\?/, '');
      const field = (name: string) => new RegExp(`(?:^|&)${name}=([^&]*)`).exec(tlvs)?.[1];
      const info = field('its_session_info');
      this.calls.push({
        to: query.get('to') ?? '',
        from: query.get('from') ?? '',
        text: query.get('text') ?? '',
        smsc: query.get('smsc') ?? '',
        coding: query.get('coding') ?? '',
        meta,
        op: field('ussd_service_op') ?? '',
        info: info === undefined ? undefined : Buffer.from(info.replace(/%([0-9A-Fa-f]{2})/g, (_all, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1'),
        username: query.get('username') ?? '',
        password: query.get('password') ?? '',
      });
      const answer = this.answers.shift() ?? { status: 202, body: '0: Accepted for delivery' };
      if (answer === 'hang') return;
      res.writeHead(answer.status, { 'content-type': 'text/html' }).end(answer.body);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/cgi-bin/sendsms`;
    return this;
  }

  /** The screens sent to `phone` (E.164 with +). */
  to(phone: string): SendsmsCall[] {
    return this.calls.filter((call) => call.to === phone);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
