import { randomBytes } from 'node:crypto';
import type { Express } from 'express';
import request from 'supertest';
import twilio from 'twilio';
import inboundFixture from '../../../src/channels/twilio/fixtures/inbound.json';

/** A Twilio account for tests: made-up credentials in Twilio's formats. */
export const TWILIO_ENV = {
  TWILIO_ACCOUNT_SID: 'AC0123456789abcdef0123456789abcdef',
  TWILIO_AUTH_TOKEN: '0123456789abcdef0123456789abcdef',
  TWILIO_FROM: '+15005550006',
  PUBLIC_URL: 'https://lingkod.example.gov.ph',
};

/** A fresh Twilio message id (SM + 32 hex digits). */
export const messageSid = () => `SM${randomBytes(16).toString('hex')}`;

/** The form Twilio posts for an incoming text: the recorded fixture with this text, sender and id. */
export function inboundForm(from: string, body: string, sid = messageSid()): Record<string, string> {
  return { ...inboundFixture, Body: body, From: from, MessageSid: sid, SmsSid: sid, SmsMessageSid: sid };
}

/** Posts a form to a Twilio webhook path, signed the way Twilio signs it (over `signedUrl`). */
export function postSigned(app: Express, path: string, form: Record<string, string>, signedUrl = TWILIO_ENV.PUBLIC_URL + path) {
  const signature = twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, signedUrl, form);
  return request(app).post(path).type('form').set('X-Twilio-Signature', signature).send(form);
}

/** The text of the one <Message> in a TwiML answer, or '' for an empty <Response/>. */
export function twimlText(xml: string): string {
  const match = /<Message>([\s\S]*)<\/Message>/.exec(xml);
  if (!match) return '';
  return match[1].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** A phone texting Lingkod's Twilio number, one signed webhook per text; `send` returns the reply ('' for none). */
export class TwilioPhone {
  /** Every reply so far, newest last. */
  readonly replies: string[] = [];

  constructor(
    private readonly app: Express,
    readonly number: string,
  ) {}

  async send(text: string, sid = messageSid()): Promise<string> {
    const response = await postSigned(this.app, '/sms/twilio', inboundForm(this.number, text, sid));
    if (response.status !== 200) throw new Error(`Twilio webhook answered ${response.status}: ${response.text}`);
    const reply = twimlText(response.text);
    this.replies.push(reply);
    return reply;
  }

  /** Sends each text in turn and returns the last reply. */
  async walk(...texts: string[]): Promise<string> {
    let last = '';
    for (const text of texts) last = await this.send(text);
    return last;
  }
}

/** The number an option has in an SMS reply ("3 Health" → "3"). */
export function optionIn(reply: string, label: string | RegExp): string {
  const line = reply.split('\n').find((candidate) => (typeof label === 'string' ? candidate.includes(label) : label.test(candidate)));
  const match = line ? /^(\d+) /.exec(line) : null;
  if (!match) throw new Error(`no option ${String(label)} in reply:\n${reply}`);
  return match[1];
}
