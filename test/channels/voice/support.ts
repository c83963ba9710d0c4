import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import twilio from 'twilio';
import { TWILIO_ENV } from '../sms/support';

/** Twilio with a voice number (and SMS, for screens finished by text): made-up credentials in Twilio's formats. */
export const VOICE_ENV = { ...TWILIO_ENV, VOICE_FROM: '+6326000001' };

/** A fresh Twilio call id (CA + 32 hex digits). */
export const callSid = () => `CA${randomBytes(16).toString('hex')}`;

/** Posts a form to a voice webhook path, signed the way Twilio signs it (over PUBLIC_URL + path and query). */
export function postSigned(app: Express, path: string, form: Record<string, string>, token = TWILIO_ENV.TWILIO_AUTH_TOKEN) {
  const signature = twilio.getExpectedTwilioSignature(token, TWILIO_ENV.PUBLIC_URL + path, form);
  return request(app).post(path).type('form').set('X-Twilio-Signature', signature).send(form);
}

/** What a TwiML answer makes the caller hear and what it waits for. */
export interface Heard {
  /** The <Say> texts, in order, unescaped. */
  said: string[];
  /** The <Say> language attributes, in order. */
  languages: string[];
  /** The <Gather> action path (with its query), when it waits for keys. */
  action?: string;
  numDigits?: string;
  hangup: boolean;
  dial?: string;
  xml: string;
}

const unescape = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Reads a TwiML answer as the caller would hear it. */
export function hear(xml: string): Heard {
  const says = [...xml.matchAll(/<Say([^>]*)>([\s\S]*?)<\/Say>/g)];
  const gather = /<Gather ([^>]*)>/.exec(xml)?.[1] ?? '';
  const attribute = (tag: string, name: string) => new RegExp(`${name}="([^"]*)"`).exec(tag)?.[1];
  const action = attribute(gather, 'action');
  return {
    said: says.map((say) => unescape(say[2])),
    languages: says.map((say) => attribute(say[1], 'language') ?? ''),
    action: action ? unescape(action).replace(TWILIO_ENV.PUBLIC_URL, '') : undefined,
    numDigits: attribute(gather, 'numDigits'),
    hangup: xml.includes('<Hangup/>'),
    dial: /<Dial[^>]*>([^<]*)<\/Dial>/.exec(xml)?.[1],
    xml,
  };
}

/** The keys an option is pressed with on a spoken page ("Press 1 2 for Services." → "12"). */
export function keysFor(heard: Heard, label: string): string {
  const line = heard.said.find((said) => said.includes(label) && /\d/.test(said));
  const match = line ? /(\d(?: \d)*)/.exec(line.replace(label, '')) : null;
  if (!match) throw new Error(`no option ${label} in:\n${heard.said.join('\n')}`);
  return match[1].replace(/ /g, '');
}

/** A phone calling Lingkod's Twilio number (or answering its call-back), one signed webhook per step, as Twilio posts them. */
export class TwilioCall {
  readonly sid = callSid();
  /** The last answer heard. */
  last?: Heard;

  constructor(
    private readonly app: Express,
    readonly number: string,
    private readonly direction: 'inbound' | 'outbound-api' = 'inbound',
  ) {}

  /** The form Twilio posts for this call, with `extra` fields. */
  form(extra: Record<string, string> = {}): Record<string, string> {
    const [from, to] = this.direction === 'inbound' ? [this.number, VOICE_ENV.VOICE_FROM] : [VOICE_ENV.VOICE_FROM, this.number];
    return { AccountSid: TWILIO_ENV.TWILIO_ACCOUNT_SID, ApiVersion: '2010-04-01', CallSid: this.sid, CallStatus: 'in-progress', Direction: this.direction, From: from, To: to, ...extra };
  }

  /** The call is answered: Twilio requests the number's voice URL. */
  async start(): Promise<Heard> {
    return this.post('/voice/twilio', this.form({ CallStatus: 'ringing' }));
  }

  /** Presses `keys` (and `#` when given) at the last prompt. */
  async press(keys: string): Promise<Heard> {
    return this.post(this.action(), this.form({ Digits: keys, FinishedOnKey: keys.endsWith('#') ? '#' : '' }));
  }

  /** Presses nothing until the gather times out (actionOnEmptyResult posts no Digits). */
  async silence(): Promise<Heard> {
    return this.post(this.action(), this.form());
  }

  /** Presses the option with `label` on the last prompt. */
  async choose(label: string): Promise<Heard> {
    return this.press(keysFor(this.last!, label));
  }

  /** Twilio's status callback for this call. */
  async ended(status: string, seconds?: number) {
    return postSigned(this.app, '/voice/twilio/status', this.form({ CallStatus: status, ...(seconds === undefined ? {} : { CallDuration: String(seconds) }) }));
  }

  private action(): string {
    if (!this.last?.action) throw new Error(`the last answer waits for no keys:\n${this.last?.xml}`);
    return this.last.action;
  }

  async post(path: string, form: Record<string, string>): Promise<Heard> {
    const response = await postSigned(this.app, path, form);
    if (response.status !== 200) throw new Error(`voice webhook answered ${response.status}: ${response.text}`);
    expect(response.headers['content-type']).toMatch(/^text\/xml/);
    this.last = hear(response.text);
    return this.last;
  }
}
