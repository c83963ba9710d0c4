import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import twilio from 'twilio';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import type { LogCapture } from '../support/app';
import { recordFigure, scanLogs } from '../support/figures';
import { postForm, send, type Answer, type Served } from '../support/served';
import { databaseBackends } from '../support/stores';
import { TWILIO_ENV, inboundForm } from '../channels/sms/support';
import { BOT_TOKEN, WEBHOOK_SECRET, fixture } from '../channels/telegram/support';
import statusDelivered from '../../src/channels/twilio/fixtures/status-delivered.json';
import { CHANNEL_SECRETS, KANNEL_TOKEN, serveWithChannels, type ServedLingkod } from './channels';

/**
 * Forged and tampered webhooks. Starting from requests that would be accepted, generated
 * mutations change one thing each: Twilio's URL, a parameter, the body or the signature;
 * Kannel's token; Telegram's secret header. Every one is refused (403 or 401), and leaves no
 * trace: no message id recorded, no citizen, no reply queued, no dialog state, no status moved.
 * (Changes that do not change what is signed, such as the default port written out, are
 * legitimate and left out.)
 */
const MUTATIONS = Number(process.env.SIGNATURE_MUTATIONS ?? 200);
const OTHER_TOKEN = 'fedcba9876543210fedcba9876543210';

/** One character of a string replaced by another of the same kind. */
const flipAt = (value: string, at: number) => {
  const index = at % Math.max(1, value.length);
  const char = value[index] ?? 'a';
  const other = /[0-9]/.test(char) ? String((Number(char) + 1) % 10) : char === 'A' ? 'B' : char === 'a' ? 'b' : 'a';
  return value.slice(0, index) + other + value.slice(index + 1);
};

describe('tampered webhooks are refused without a trace', () => {
  let db: Database;
  let context: AppContext;
  let logs: LogCapture;
  let served: Served;
  let lingkod: ServedLingkod;
  const refused: Record<string, number> = {};
  const note = (provider: string, answer: Answer, expected: number) => {
    if (answer.status !== expected) throw new Error(`${provider} accepted a tampered request: ${answer.status} ${answer.text.slice(0, 80)}`);
    refused[provider] = (refused[provider] ?? 0) + 1;
  };

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    lingkod = await serveWithChannels(db);
    ({ context, logs, served } = lingkod);
  });
  afterAll(async () => {
    await lingkod.close();
  });

  const count = async (sql: string, params: unknown[]) => Number((await db.query<{ n: string }>(sql, params))[0].n);

  it(`refuses ${MUTATIONS} tampered Twilio messages and ${MUTATIONS / 4} status callbacks`, async () => {
    const url = `${TWILIO_ENV.PUBLIC_URL}/sms/twilio`;
    const sign = (signedUrl: string, form: Record<string, string>, token = TWILIO_ENV.TWILIO_AUTH_TOKEN) => twilio.getExpectedTwilioSignature(token, signedUrl, form);
    type Tampered = { path: string; form: Record<string, string>; signature: string; kind: string };
    const mutation = fc.record({ index: fc.nat(), at: fc.nat(), kind: fc.constantFrom('url', 'param-value', 'param-added', 'param-removed', 'body', 'signature-flipped', 'signature-cut', 'signature-empty', 'other-token', 'other-message', 'query-added', 'http') });
    const numbers: string[] = [];
    const sids: string[] = [];
    const tampered: Tampered[] = fc.sample(mutation, { numRuns: MUTATIONS, seed: 7 }).map(({ index, at, kind }) => {
      const from = `+6391775${String(index % 100000).padStart(5, '0')}`;
      const form = inboundForm(from, 'MENU');
      numbers.push(from);
      sids.push(form.MessageSid);
      const signature = sign(url, form);
      const keys = Object.keys(form);
      const key = keys[at % keys.length];
      switch (kind) {
        case 'url':
          return { path: '/sms/twilio', form, signature: sign(`${TWILIO_ENV.PUBLIC_URL}/sms/twilio/status`, form), kind };
        case 'param-value':
          return { path: '/sms/twilio', form: { ...form, [key]: flipAt(form[key] || 'x', at) }, signature, kind };
        case 'param-added':
          return { path: '/sms/twilio', form: { ...form, [`Extra${at % 10}`]: 'yes' }, signature, kind };
        case 'param-removed': {
          const { [key]: _dropped, ...rest } = form;
          return { path: '/sms/twilio', form: rest, signature, kind };
        }
        case 'body':
          return { path: '/sms/twilio', form: { ...form, Body: 'STOP' }, signature, kind };
        case 'signature-flipped':
          return { path: '/sms/twilio', form, signature: flipAt(signature, at), kind };
        case 'signature-cut':
          return { path: '/sms/twilio', form, signature: signature.slice(0, 1 + (at % (signature.length - 1))), kind };
        case 'signature-empty':
          return { path: '/sms/twilio', form, signature: '', kind };
        case 'other-token':
          return { path: '/sms/twilio', form, signature: sign(url, form, OTHER_TOKEN), kind };
        case 'other-message':
          return { path: '/sms/twilio', form, signature: sign(url, inboundForm(from, 'MENU')), kind };
        case 'query-added':
          return { path: `/sms/twilio?x=${at}`, form, signature, kind };
        default:
          return { path: '/sms/twilio', form, signature: sign(url.replace('https:', 'http:'), form), kind };
      }
    });
    for (const { path, form, signature } of tampered) note('Twilio', await postForm(`${served.base}${path}`, form, { 'X-Twilio-Signature': signature }), 403);

    // Status callbacks for a message that was sent: forged ones move nothing.
    const sid = `SM${randomBytes(16).toString('hex')}`;
    const id = await context.outbox.enqueue({ address: 'tel:+639177500001', channel: 'twilio', body: 'Your request is ready.', kind: 'status' });
    await context.outbox.claim('twilio', 10);
    await context.outbox.settle([{ id, result: 'sent', providerId: sid }]);
    const callback = { ...statusDelivered, MessageSid: sid, SmsSid: sid };
    const statusUrl = `${TWILIO_ENV.PUBLIC_URL}/sms/twilio/status`;
    for (let index = 0; index < MUTATIONS / 4; index++) {
      const signature = index % 2 === 0 ? flipAt(sign(statusUrl, callback), index) : sign(statusUrl, { ...callback, MessageStatus: 'sent' });
      note('Twilio status', await postForm(`${served.base}/sms/twilio/status`, callback, { 'X-Twilio-Signature': signature }), 403);
    }

    expect(await count('SELECT count(*) AS n FROM inbound_messages WHERE provider_id = ANY($1)', [sids])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM citizen_addresses WHERE address = ANY($1)', [numbers.map((number) => `tel:${number}`)])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM outbox WHERE address = ANY($1)', [numbers.map((number) => `tel:${number}`)])).toBe(0);
    expect(await Promise.all(numbers.slice(0, 50).map((number) => context.store.get(`dialog:tel:${number}`)))).toEqual(numbers.slice(0, 50).map(() => null));
    expect((await db.query<{ status: string }>('SELECT status FROM outbox WHERE id = $1', [id]))[0].status).toBe('sent');
    // The untampered request is accepted: the refusals were about the tampering.
    const genuine = inboundForm('+639177500002', 'MENU');
    expect((await postForm(`${served.base}/sms/twilio`, genuine, { 'X-Twilio-Signature': sign(url, genuine) })).status).toBe(200);
    const kinds = new Set(tampered.map((each) => each.kind));
    recordFigure(7, `Twilio: ${tampered.length} tampered messages (${kinds.size} kinds: URL, parameters, body, signature) and ${MUTATIONS / 4} forged status callbacks`, `all 403; 0 ids recorded, 0 citizens, 0 replies, 0 dialog states, status unmoved`);
  });

  it(`refuses ${MUTATIONS} Kannel requests and delivery reports with a wrong token`, async () => {
    const tokens = fc.sample(
      fc.oneof(
        fc.nat().map((at) => flipAt(KANNEL_TOKEN, at)),
        fc.nat({ max: KANNEL_TOKEN.length - 1 }).map((cut) => KANNEL_TOKEN.slice(0, cut)),
        fc.string({ minLength: 1, maxLength: 4 }).map((extra) => encodeURIComponent(KANNEL_TOKEN + extra)),
        fc.constant(KANNEL_TOKEN.toUpperCase()),
        fc.constant(''),
        fc.string({ maxLength: 40 }).filter((value) => value !== KANNEL_TOKEN).map(encodeURIComponent),
      ),
      { numRuns: MUTATIONS, seed: 11 },
    );
    const ids: string[] = [];
    const numbers: string[] = [];
    for (const [index, token] of tokens.entries()) {
      const number = `+6391776${String(index).padStart(5, '0')}`;
      const id = `tampered-${index}-${randomBytes(4).toString('hex')}`;
      numbers.push(number);
      ids.push(id);
      const query = `from=${encodeURIComponent(number)}&to=2600&text=MENU&id=${id}&coding=0&charset=UTF-8`;
      // Half of them leave the token out altogether, or send the right one second (the first counts).
      const withToken = index % 4 === 0 ? query : index % 4 === 1 ? `token=${token}&${query}&token=${KANNEL_TOKEN}` : `token=${token}&${query}`;
      note('Kannel', await send(`${served.base}/sms/kannel?${withToken}`), 403);
    }
    const outboxId = await context.outbox.enqueue({ address: 'tel:+639177690001', channel: 'kannel', body: 'Your request is ready.', kind: 'status' });
    await context.outbox.claim('kannel', 10);
    await context.outbox.settle([{ id: outboxId, result: 'sent', providerId: String(outboxId) }]);
    for (const token of tokens.slice(0, MUTATIONS / 4)) note('Kannel DLR', await send(`${served.base}/sms/kannel/dlr?token=${token}&id=${outboxId}&status=1&reply=`), 403);

    expect(await count('SELECT count(*) AS n FROM inbound_messages WHERE provider_id = ANY($1)', [ids])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM citizen_addresses WHERE address = ANY($1)', [numbers.map((number) => `tel:${number}`)])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM outbox WHERE address = ANY($1)', [numbers.map((number) => `tel:${number}`)])).toBe(0);
    expect((await db.query<{ status: string }>('SELECT status FROM outbox WHERE id = $1', [outboxId]))[0].status).toBe('sent');
    expect((await send(`${served.base}/sms/kannel?token=${KANNEL_TOKEN}&from=%2B639177690002&to=2600&text=MENU&id=genuine-1&coding=0&charset=UTF-8`)).status).toBe(200);
    recordFigure(7, `Kannel: ${MUTATIONS} texts and ${MUTATIONS / 4} delivery reports with a wrong, cut, changed, missing or misplaced token`, 'all 403; 0 ids recorded, 0 citizens, 0 replies, status unmoved');
  });

  it(`refuses ${MUTATIONS} Telegram updates with a wrong secret header`, async () => {
    const secrets = fc.sample(
      fc.oneof(
        fc.nat().map((at) => flipAt(WEBHOOK_SECRET, at)),
        fc.nat({ max: WEBHOOK_SECRET.length - 1 }).map((cut) => WEBHOOK_SECRET.slice(0, cut)),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,3}$/).map((extra) => WEBHOOK_SECRET + extra),
        fc.constant(WEBHOOK_SECRET.toUpperCase()),
        fc.constant(BOT_TOKEN),
        fc.constant(undefined),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/).filter((value) => value !== WEBHOOK_SECRET),
      ),
      { numRuns: MUTATIONS, seed: 13 },
    );
    const updateIds: number[] = [];
    for (const [index, secret] of secrets.entries()) {
      const update = fixture('message_text', 5550005000 + index);
      updateIds.push(update.update_id);
      const answer = await send(`${served.base}/telegram/webhook`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(secret === undefined ? {} : { 'X-Telegram-Bot-Api-Secret-Token': secret }) },
        body: JSON.stringify(update),
      });
      note('Telegram', answer, 401);
    }
    expect(await count('SELECT count(*) AS n FROM telegram_updates WHERE update_id = ANY($1)', [updateIds])).toBe(0);
    expect(await count("SELECT count(*) AS n FROM citizen_addresses WHERE address LIKE 'telegram:55500050%' OR address LIKE 'telegram:55500051%'", [])).toBe(0);
    expect(await count("SELECT count(*) AS n FROM outbox WHERE address LIKE 'telegram:5550005%'", [])).toBe(0);
    expect(lingkod.bot?.calls.filter((call) => call.method !== 'getMe')).toEqual([]);
    recordFigure(7, `Telegram: ${MUTATIONS} updates with a wrong, cut, changed or missing secret header`, 'all 401; 0 updates recorded, 0 citizens, 0 replies, 0 Bot API calls');
    recordFigure(7, 'tampered requests in all', `${Object.values(refused).reduce((sum, n) => sum + n, 0)} refused: ${Object.entries(refused).map(([provider, n]) => `${provider} ${n}`).join(', ')}`);
  });

  it('writes no token or secret to its logs', () => {
    expect(scanLogs('signatures', logs.lines, { secrets: CHANNEL_SECRETS })).toEqual([]);
  });
});
