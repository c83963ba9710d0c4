import type { AddressInfo, Server } from 'node:net';
import * as smpp from 'smpp';

/**
 * The operator's USSD gateway as Kannel meets it: an SMPP 3.4 server (the npm `smpp` package)
 * that Kannel's smsc group binds to as a transceiver. It sends each of a phone's USSD messages
 * as a `deliver_sm` with `ussd_service_op` and `its_session_info`, and records every
 * `submit_sm` Kannel sends back, as an operator's USSD gateway does (SMPP 3.4 §5.3.2.43–44).
 */
export interface SubmittedScreen {
  to: string;
  from: string;
  serviceType: string;
  text: string;
  op?: number;
  /** its_session_info: session number, sequence number, end of session. */
  session?: number;
  sequence?: number;
  end?: boolean;
  /** A UDH was present (the screen was split into SMS parts: wrong for USSD). */
  split: boolean;
}

export class UssdGatewayPeer {
  readonly submitted: SubmittedScreen[] = [];
  private server?: Server;
  private session?: smpp.Session;
  private onBound?: () => void;
  private readonly bound = new Promise<void>((resolve) => (this.onBound = resolve));

  constructor(
    private readonly systemId: string,
    private readonly password: string,
  ) {}

  /** Listens on a loopback port and returns it. */
  async listen(): Promise<number> {
    this.server = smpp.createServer((session) => {
      session.on('error', () => undefined);
      session.on('bind_transceiver', (pdu) => {
        if (pdu.system_id !== this.systemId || pdu.password !== this.password) {
          session.send(pdu.response({ command_status: smpp.ESME_RBINDFAIL }));
          session.close();
          return;
        }
        session.send(pdu.response({ system_id: 'USSDGW' }));
        this.session = session;
        this.onBound?.();
      });
      session.on('enquire_link', (pdu) => session.send(pdu.response()));
      session.on('unbind', (pdu) => {
        session.send(pdu.response());
        session.close();
      });
      session.on('submit_sm', (pdu) => {
        const message = pdu.short_message;
        const text = typeof message === 'string' ? message : Buffer.isBuffer(message) ? message.toString('latin1') : String(message?.message ?? '');
        const info = pdu.its_session_info;
        this.submitted.push({
          to: pdu.destination_addr ?? '',
          from: pdu.source_addr ?? '',
          serviceType: pdu.service_type ?? '',
          text,
          op: pdu.ussd_service_op,
          session: info?.[0],
          sequence: info === undefined ? undefined : info[1] >> 1,
          end: info === undefined ? undefined : (info[1] & 1) === 1,
          split: typeof message === 'object' && !Buffer.isBuffer(message) && (message?.udh?.length ?? 0) > 0,
        });
        session.send(pdu.response({ message_id: `ussd-${this.submitted.length}` }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  /** Resolves once Kannel has bound. */
  whenBound(): Promise<void> {
    return this.bound;
  }

  /**
   * The phone's message: a deliver_sm from `phone` to `serviceCode` with `op` and its_session_info.
   * Resolves with the deliver_sm_resp status Kannel answered.
   */
  deliver(phone: string, serviceCode: string, text: string, op: number, session: number, sequence: number, end = false): Promise<number> {
    const current = this.session;
    if (!current) throw new Error('Kannel has not bound to the USSD gateway');
    return new Promise((resolve) => {
      current.deliver_sm(
        {
          service_type: 'USSD',
          source_addr_ton: 1,
          source_addr_npi: 1,
          source_addr: phone,
          destination_addr: serviceCode,
          short_message: text,
          ussd_service_op: op,
          its_session_info: Buffer.from([session & 0xff, ((sequence & 0x7f) << 1) | (end ? 1 : 0)]),
        },
        (response) => resolve(response.command_status),
      );
    });
  }

  /** Waits until `count` screens went to `phone`; returns the last. */
  async screenFor(phone: string, count: number, attempts = 200): Promise<SubmittedScreen> {
    for (let attempt = 0; attempt < attempts; attempt++) {
      const screens = this.submitted.filter((screen) => screen.to === phone);
      if (screens.length >= count) return screens[count - 1];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no screen ${count} reached the USSD gateway for ${phone} (screens: ${JSON.stringify(this.submitted)})`);
  }

  async close(): Promise<void> {
    this.session?.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
