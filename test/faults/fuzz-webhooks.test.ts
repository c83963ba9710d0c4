import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import twilio from 'twilio';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import type { LogCapture } from '../support/app';
import { recordFigure, scanLogs } from '../support/figures';
import { postForm, send, type Answer, type Served } from '../support/served';
import { databaseBackends } from '../support/stores';
import { TWILIO_ENV } from '../channels/sms/support';
import { WEBHOOK_SECRET } from '../channels/telegram/support';
import { CHANNEL_SECRETS, KANNEL_TOKEN, serveWithChannels, type ServedLingkod } from './channels';

/**
 * Property-based fuzzing (fast-check) of the inbound parsers not covered by fuzz-ussd: Twilio's
 * inbound and status webhooks, Kannel's get-url/post-url and delivery reports, and Telegram's
 * webhook, over real HTTP. Most cases carry the right signature, token or secret, so they get
 * past the door and into the parser and the conversation behind it. Whatever arrives, the
 * answer is a 4xx with a reason or a well-formed 200, never a 5xx, and the process survives;
 * a Twilio message handled once is answered with an empty TwiML when it comes again.
 *
 * FUZZ_WEBHOOK_CASES (or FUZZ_CASES) sets the cases per inbound parser: 10,000 by
 * `npm run test:faults:full`, 2,000 in an ordinary run to keep CI within its time; the status
 * webhooks get a tenth of that.
 */
const CASES = Number(process.env.FUZZ_WEBHOOK_CASES ?? process.env.FUZZ_CASES ?? 2000);
const FIXTURES = path.resolve(__dirname, '..', '..', 'src', 'channels', 'telegram', 'fixtures');

const hex = (length: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: length, maxLength: length });
const anyText = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.string({ unit: 'binary', maxLength: 120 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom('MENU', 'STOP', 'START', 'HELP', '1', '2', '98', '0', 'STATUS 4821-7730-953', 'LANG fil', 'MYDATA', 'DELETE', 'INFO birth', 'ভাষা বাংলা', ''),
);
/** A sender: a valid Philippine or Bangladeshi number (a few, so floods happen too), a foreign one, or junk. */
const sender = fc.oneof(
  fc.integer({ min: 0, max: 40 }).map((n) => `+6391760${String(n).padStart(5, '0')}`),
  fc.integer({ min: 0, max: 9 }).map((n) => `+88017100000${n}`),
  fc.constantFrom('+14155550100', '+447700900123', 'GLOBE', 'Smart', '0', ''),
  fc.string({ maxLength: 50 }),
);
/** Whatever statuses 5xx or never answers is a failure; the rest are the parser's business. */
const handled = (answer: Answer) => answer.status >= 200 && answer.status < 500 && (answer.status === 200 || answer.text.length > 0);

describe('fuzzing the SMS and Telegram webhooks', () => {
  let db: Database;
  let context: AppContext;
  let logs: LogCapture;
  let served: Served;
  let lingkod: ServedLingkod;
  const statuses: Record<string, Record<number, number>> = {};
  const tally = (parser: string, answer: Answer) => {
    statuses[parser] ??= {};
    statuses[parser][answer.status] = (statuses[parser][answer.status] ?? 0) + 1;
  };
  const summary = (parser: string) =>
    Object.entries(statuses[parser] ?? {})
      .map(([status, count]) => `${status}×${count}`)
      .join(' ');

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    lingkod = await serveWithChannels(db);
    ({ context, logs, served } = lingkod);
  });
  afterAll(async () => {
    await lingkod.close();
  });

  it('answers any Twilio inbound form with a 4xx and a reason or TwiML, and a handled message again with an empty TwiML', async () => {
    const form = fc.record(
      {
        MessageSid: fc.oneof({ weight: 9, arbitrary: hex(32).map((digits) => `SM${digits}`) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) }),
        From: sender,
        Body: anyText,
        To: fc.constantFrom('+15005550006', ''),
        NumMedia: fc.constantFrom('0', '1', 'x'),
      },
      { requiredKeys: ['MessageSid', 'From'] },
    );
    const extra = fc.dictionary(fc.string({ maxLength: 12 }), fc.string({ maxLength: 30 }), { maxKeys: 3 });
    const url = `${TWILIO_ENV.PUBLIC_URL}/sms/twilio`;
    await fc.assert(
      fc.asyncProperty(form, extra, fc.integer({ min: 0, max: 9 }), async (fields, more, dice) => {
        const signed = dice > 0;
        const body = { ...more, ...fields } as Record<string, string>;
        const signature = signed ? twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, url, body) : 'bm90IGEgc2lnbmF0dXJl';
        const answer = await postForm(`${served.base}/sms/twilio`, body, { 'X-Twilio-Signature': signature });
        tally('twilio', answer);
        if (!handled(answer)) return false;
        if (answer.status !== 200) return true;
        if (!/^<\?xml version="1.0" encoding="UTF-8"\?><Response(\/>|>[\s\S]*<\/Response>)$/.test(answer.text)) return false;
        if (!answer.text.includes('<Message>')) return true;
        // The same message again (a provider's retry): handled once, so nothing more to say.
        const again = await postForm(`${served.base}/sms/twilio`, body, { 'X-Twilio-Signature': signature });
        return again.status === 200 && !again.text.includes('<Message>');
      }),
      { numRuns: CASES },
    );
    recordFigure(6, `Twilio inbound webhook: ${CASES} generated forms`, `no 5xx; answers ${summary('twilio')}`);
  }, 600_000);

  it('answers any Twilio status callback without a 5xx', async () => {
    const form = fc.record(
      { MessageSid: fc.oneof(hex(32).map((digits) => `SM${digits}`), fc.string({ maxLength: 40 })), MessageStatus: fc.oneof(fc.constantFrom('sent', 'delivered', 'read', 'undelivered', 'failed', 'queued'), fc.string({ maxLength: 20 })), ErrorCode: fc.oneof(fc.constantFrom('21610', '30003'), fc.string({ maxLength: 8 })), To: sender },
      { requiredKeys: [] },
    );
    const url = `${TWILIO_ENV.PUBLIC_URL}/sms/twilio/status`;
    await fc.assert(
      fc.asyncProperty(form, async (body) => {
        const answer = await postForm(`${served.base}/sms/twilio/status`, body as Record<string, string>, { 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, url, body as Record<string, string>) });
        tally('twilio-status', answer);
        return handled(answer);
      }),
      { numRuns: Math.ceil(CASES / 10) },
    );
    recordFigure(6, `Twilio status webhook: ${Math.ceil(CASES / 10)} generated callbacks`, `no 5xx; answers ${summary('twilio-status')}`);
  }, 300_000);

  it('answers any Kannel get-url or post-url request with 200, or a 4xx and a reason', async () => {
    const percent = (bytes: Uint8Array) => [...bytes].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
    const field = fc.oneof(
      anyText.map(encodeURIComponent),
      fc.uint8Array({ maxLength: 80 }).map(percent),
      fc.string({ unit: fc.constantFrom('%', '&', '=', '+', 'a', '0', 'f', 'Z', ' ', '#'), maxLength: 20 }),
    );
    const query = fc.record(
      {
        token: fc.oneof({ weight: 9, arbitrary: fc.constant(KANNEL_TOKEN) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent) }),
        from: fc.oneof(sender.map(encodeURIComponent), field),
        to: fc.constant('2600'),
        text: field,
        id: fc.oneof(fc.uuid(), field),
        coding: fc.oneof(fc.constantFrom('0', '1', '2', ''), field),
        charset: fc.oneof(fc.constantFrom('UTF-8', 'UTF-16BE', 'ISO-8859-1', 'WINDOWS-1252', 'KOI8-R', ''), field),
      },
      { requiredKeys: ['token', 'from', 'id'] },
    );
    const request = fc.record({
      fields: query,
      junk: fc.oneof(fc.constant(''), fc.string({ maxLength: 30 })),
      post: fc.boolean(),
      body: fc.uint8Array({ maxLength: 300 }),
      contentType: fc.constantFrom('text/plain; charset="UTF-8"', 'text/plain; charset="UTF-16BE"', 'application/octet-stream', 'text/plain; charset=bogus', ''),
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ fields, junk, post, body, contentType }) => {
        const raw = [...Object.entries(fields).map(([name, value]) => `${name}=${value}`), junk].filter(Boolean).join('&');
        const url = `${served.base}/sms/kannel?${raw}`;
        const answer = post
          ? await send(url, { method: 'POST', headers: contentType ? { 'content-type': contentType } : {}, body: Buffer.from(body) })
          : await send(url);
        tally('kannel', answer);
        return handled(answer) && (answer.status !== 200 || answer.text === '');
      }),
      { numRuns: CASES },
    );
    recordFigure(6, `Kannel get-url/post-url: ${CASES} generated requests`, `no 5xx; answers ${summary('kannel')}`);
  }, 600_000);

  it('answers any Kannel delivery report without a 5xx', async () => {
    const request = fc.record(
      { token: fc.constantFrom(KANNEL_TOKEN, KANNEL_TOKEN, 'nope'), id: fc.oneof(fc.nat().map(String), fc.string({ maxLength: 30 }).map(encodeURIComponent)), status: fc.oneof(fc.constantFrom('1', '2', '4', '8', '16', '32'), fc.string({ maxLength: 5 }).map(encodeURIComponent)), reply: fc.string({ maxLength: 100 }).map(encodeURIComponent) },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(request, async (fields) => {
        const answer = await send(`${served.base}/sms/kannel/dlr?${Object.entries(fields).map(([name, value]) => `${name}=${value}`).join('&')}`);
        tally('kannel-dlr', answer);
        return handled(answer);
      }),
      { numRuns: Math.ceil(CASES / 10) },
    );
    recordFigure(6, `Kannel delivery reports: ${Math.ceil(CASES / 10)} generated`, `no 5xx; answers ${summary('kannel-dlr')}`);
  }, 300_000);

  it('answers any Telegram webhook body with 200, or a 4xx and a reason', async () => {
    const fixtures = readdirSync(FIXTURES)
      .filter((name) => name.endsWith('.json'))
      .map((name) => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8')) as Record<string, unknown>);
    /** A real update's shape with some of its values replaced by anything at all. */
    const mutated = fc
      .record({ base: fc.constantFrom(...fixtures), id: fc.integer({ min: 0, max: 2 ** 31 }), text: anyText, replacements: fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 })), { maxLength: 4 }) })
      .map(({ base, id, text, replacements }) => {
        const update = JSON.parse(JSON.stringify(base)) as Record<string, unknown>;
        update.update_id = id;
        const message = update.message as Record<string, unknown> | undefined;
        if (message && 'text' in message) message.text = text;
        const leaves: [Record<string, unknown>, string][] = [];
        const walk = (node: unknown) => {
          if (node && typeof node === 'object') for (const [key, value] of Object.entries(node)) (value && typeof value === 'object' ? walk(value) : leaves.push([node as Record<string, unknown>, key]));
        };
        walk(update);
        for (const [pick, value] of replacements) {
          const [holder, key] = leaves[pick % leaves.length];
          holder[key] = value;
        }
        return JSON.stringify(update);
      });
    const body = fc.oneof(
      { weight: 6, arbitrary: mutated },
      { weight: 2, arbitrary: fc.json({ maxDepth: 3 }) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
      { weight: 1, arbitrary: fc.constantFrom('', '{', 'null', '[]', '{"update_id":-1}', '{"update_id":1.5}') },
    );
    await fc.assert(
      fc.asyncProperty(body, fc.oneof({ weight: 9, arbitrary: fc.constant(WEBHOOK_SECRET) }, { weight: 1, arbitrary: fc.constantFrom('wrong', '') }), async (json, secret) => {
        const answer = await send(`${served.base}/telegram/webhook`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(secret ? { 'X-Telegram-Bot-Api-Secret-Token': secret } : {}) },
          body: json,
        });
        tally('telegram', answer);
        return handled(answer);
      }),
      { numRuns: CASES },
    );
    recordFigure(6, `Telegram webhook: ${CASES} generated bodies`, `no 5xx; answers ${summary('telegram')}`);
  }, 600_000);

  it('is still alive and ready after all of it, and wrote no phone number, token or message body to its logs', async () => {
    expect((await send(`${served.base}/readyz`)).status).toBe(200);
    expect(logs.lines.filter((line) => line.includes('unhandled error'))).toEqual([]);
    expect(scanLogs('fuzz-webhooks', logs.lines, { secrets: CHANNEL_SECRETS })).toEqual([]);
  });
});
