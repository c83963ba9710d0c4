import { randomInt } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import { USSD_TEST_TOKEN } from './app';
import type { FakeTap, ReceivedMt } from './fake-tap';

/** The bdapps callback path, token included, as the platform's Connection URL is set. */
export const TAP_PATH = `/ussd/bdapps?token=${encodeURIComponent(USSD_TEST_TOKEN)}`;

/**
 * A feature phone dialling through hSenid TAP (bdapps, Applink): each hop is an MO the
 * platform POSTs (acknowledged S1000), and its screen is the MT that arrives at the fake
 * platform afterwards.
 */
export class TapPhone {
  session = '';
  private shown = 0;
  private request = 0;
  /** The last MO's requestId. */
  lastRequestId = '';

  constructor(
    private readonly app: Express,
    private readonly tap: FakeTap,
    /** `tel:` and digits, or `tel:` and a masked hash, as the platform sends it. */
    readonly sourceAddress = 'tel:8801812000456',
    readonly applicationId = tap.applicationId,
  ) {}

  /** A new session: `mo-init` with the code dialled. */
  async dial(code = '*213*2626#'): Promise<ReceivedMt> {
    this.session = `17333${randomInt(1e9, 1e10 - 1)}`;
    this.shown = 0;
    await this.post('mo-init', code);
    return this.screen();
  }

  /** Types `input`: `mo-cont`. */
  async press(input: string): Promise<ReceivedMt> {
    await this.post('mo-cont', input);
    return this.screen();
  }

  /** The next screen of this session at the fake platform. */
  async screen(): Promise<ReceivedMt> {
    const mt = await this.tap.next((candidate) => candidate.sessionId === this.session, this.shown);
    this.shown++;
    return mt;
  }

  /** Posts one MO and checks the acknowledgement; `requestId` given resends an earlier one. */
  async post(ussdOperation: string, message: string, requestId = this.nextRequestId()): Promise<void> {
    this.lastRequestId = requestId;
    const response = await request(this.app).post(TAP_PATH).send(this.mo(ussdOperation, message, requestId));
    if (response.status !== 200 || response.body.statusCode !== 'S1000') throw new Error(`MO answered ${response.status}: ${response.text}`);
  }

  /** The MO body. */
  mo(ussdOperation: string, message: string, requestId = this.nextRequestId()): Record<string, string> {
    return {
      version: '1.0',
      applicationId: this.applicationId,
      sessionId: this.session,
      ussdOperation,
      sourceAddress: this.sourceAddress,
      message,
      requestId,
      encoding: '440',
    };
  }

  nextRequestId(): string {
    return `1014${this.session.slice(-8)}${String(++this.request).padStart(6, '0')}`;
  }
}
