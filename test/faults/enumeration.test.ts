import twilio from 'twilio';
import type { AppContext } from '../../src/context';
import { createApp } from '../../src/http/app';
import { createLogger } from '../../src/log';
import { LookupGuard, type LookupOutcome } from '../../src/services/lookup-guard';
import { parseReference } from '../../src/services/reference';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import type { Database } from '../../src/store/sql';
import { TODAY, optionNumber, startLingkod, type LogCapture } from '../support/app';
import { recordFigure, scanLogs } from '../support/figures';
import { HttpUssdPhone, postForm, send, serve, type Served } from '../support/served';
import { databaseBackends } from '../support/stores';
import { TWILIO_ENV, inboundForm, messageSid, twimlText } from '../channels/sms/support';
import { BOT_TOKEN, WEBHOOK_SECRET, fixture } from '../channels/telegram/support';
import { FakeBotApi } from '../channels/telegram/fake-bot-api';

/**
 * Guessing references. 100,000 guesses from ten numbers go through the two gates every channel
 * uses: the Verhoeff check digit (src/services/reference.ts), which refuses nine in ten before
 * any lookup, and the lookup guard (src/services/lookup-guard.ts), which allows
 * STATUS_LOOKUP_MISSES_PER_HOUR misses per citizen and then refuses until the hour is over.
 * Nothing is found, and every lookup is in the audit log. Then the same over SMS, USSD and
 * Telegram, to show each channel's status check goes through the guard.
 */
const GUESSES = Number(process.env.ENUMERATION_GUESSES ?? 100_000);
const NUMBERS = 10;
const MISSES = 5;

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('reference enumeration', () => {
  let db: Database;
  let context: AppContext;
  let logs: LogCapture;
  let served: Served;
  let bot: FakeBotApi;
  let clock = TODAY.getTime();
  const references = new Set<string>();
  const phones: string[] = [];

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    bot = await FakeBotApi.start(BOT_TOKEN);
    ({ context, logs } = await startLingkod(
      db,
      { ...TWILIO_ENV, TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET, TELEGRAM_API_ROOT: bot.root, STATUS_LOOKUP_MISSES_PER_HOUR: String(MISSES) },
      { store: new MemoryEphemeralStore(() => clock) },
    ));
    served = await serve(createApp(context));
    // Real requests to be found: fifty citizens' with a reference each.
    for (let index = 0; index < 50; index++) {
      const citizen = await context.citizens.findOrCreate(`tel:+6391771${String(index).padStart(5, '0')}`, 'ussd');
      references.add((await context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: { full_name: 'Owner' }, channel: 'ussd' })).reference);
    }
  });
  afterAll(async () => {
    await served.close();
    await context.close();
    await bot.close();
  });

  const audited = async (action: string, actors?: string[]) =>
    Number(
      (await db.query<{ n: string }>('SELECT count(*) AS n FROM audit_log WHERE action = $1 AND ($2::text[] IS NULL OR actor = ANY($2))', [action, actors ?? null]))[0].n,
    );

  it(`finds nothing in ${GUESSES.toLocaleString('en')} guesses from ${NUMBERS} numbers, refuses after ${MISSES} misses each, and audits every lookup`, async () => {
    const guard = new LookupGuard({ db, store: context.store, limits: { perCitizen: MISSES, perNetwork: 1_000_000, total: 1_000_000 }, log: createLogger('silent') });
    const citizens = await Promise.all(Array.from({ length: NUMBERS }, (_, index) => context.citizens.findOrCreate(`tel:+6391772${String(index).padStart(5, '0')}`, 'sms')));
    const next = random(20261128);
    const refusedBy = { length: 0, check: 0 };
    const outcomes: Record<LookupOutcome, number> = { found: 0, missing: 0, limited: 0 };
    let wouldHaveFound = 0;
    for (let guess = 0; guess < GUESSES; guess++) {
      const digits = String(Math.floor(next() * 1e11)).padStart(11, '0');
      const typed = guess % 20 === 0 ? digits.slice(1) : digits; // some typed a digit short
      const parsed = parseReference(typed);
      if (!parsed.ok) {
        refusedBy[parsed.reason]++;
        continue;
      }
      if (references.has(parsed.reference)) wouldHaveFound++;
      const citizen = citizens[guess % NUMBERS];
      outcomes[await guard.lookup({ citizenId: citizen.id, channel: 'sms', reference: parsed.reference })]++;
    }
    const actors = citizens.map((citizen) => `citizen:${citizen.id}`);
    expect(outcomes.found).toBe(0);
    expect(outcomes.missing).toBe(NUMBERS * MISSES);
    expect(refusedBy.length + refusedBy.check).toBeGreaterThan(GUESSES * 0.85);
    expect(await audited('request.lookup', actors)).toBe(outcomes.found + outcomes.missing);
    expect(await audited('request.lookup_limited', actors)).toBe(NUMBERS);

    // An hour later, each number may look up again (and is refused again after five misses).
    clock += 3_601_000;
    expect(await guard.lookup({ citizenId: citizens[0].id, channel: 'sms', reference: [...references][0] })).toBe('found');
    recordFigure(9, `${GUESSES.toLocaleString('en')} guessed references from ${NUMBERS} numbers`, `${refusedBy.check + refusedBy.length} refused by the check digit (${refusedBy.check} wrong digit, ${refusedBy.length} wrong length)`);
    recordFigure(9, 'guesses that passed the check digit', `${outcomes.missing + outcomes.limited + outcomes.found}: ${outcomes.missing} looked up (${MISSES} per number), ${outcomes.limited} refused by the guard, ${outcomes.found} found (${wouldHaveFound} would have matched a request)`);
    recordFigure(9, 'lookups in the audit log', `${outcomes.found + outcomes.missing} of ${outcomes.found + outcomes.missing}, and ${NUMBERS} "lookups refused" entries`);
  }, 120_000);

  it('puts the status check of SMS, USSD and Telegram through the guard and the audit log', async () => {
    const guesses = () => {
      const next = random(Math.floor(Math.random() * 1e9));
      const out: string[] = [];
      while (out.length < MISSES + 1) {
        const parsed = parseReference(String(Math.floor(next() * 1e11)).padStart(11, '0'));
        if (parsed.ok && !references.has(parsed.reference)) out.push(parsed.reference);
      }
      return out;
    };

    // SMS: STATUS <reference>, six times.
    const texter = '+6391773000001';
    phones.push(texter);
    const sms: string[] = [];
    for (const reference of guesses()) {
      const form = inboundForm(texter, `STATUS ${reference}`, messageSid());
      const signature = twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, `${TWILIO_ENV.PUBLIC_URL}/sms/twilio`, form);
      sms.push(twimlText((await postForm(`${served.base}/sms/twilio`, form, { 'X-Twilio-Signature': signature })).text));
    }
    // USSD: Check a status, then a reference, six times in one session.
    const caller = new HttpUssdPhone(served.base, '+639177300002');
    phones.push(caller.phoneNumber);
    await caller.dial();
    await caller.press(optionNumber(caller.last, 'English'));
    await caller.press(optionNumber(caller.last, 'Check a status'));
    const ussd: string[] = [];
    for (const reference of guesses()) {
      ussd.push(await caller.press(reference));
      if (ussd.at(-1)!.includes('Check another')) await caller.press(optionNumber(caller.last, 'Check another'));
    }
    // Telegram: /status <reference>, six times.
    const telegram: string[] = [];
    for (const reference of guesses()) {
      const update = fixture('message_command', 5550004001);
      const message = update.message as Record<string, unknown>;
      message.text = `/status ${reference}`;
      message.entities = [{ offset: 0, length: 7, type: 'bot_command' }];
      await send(`${served.base}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'X-Telegram-Bot-Api-Secret-Token': WEBHOOK_SECRET }, body: JSON.stringify(update) });
      const [row] = await db.query<{ body: string }>("SELECT body FROM outbox WHERE address = 'telegram:5550004001' ORDER BY id DESC LIMIT 1");
      telegram.push(row.body);
    }

    for (const answers of [sms, ussd, telegram]) {
      expect(answers.slice(0, MISSES).every((answer) => answer.includes('No request has that reference.'))).toBe(true);
      expect(answers[MISSES]).toContain('Too many references were not found');
    }
    const actors = (
      await db.query<{ citizen_id: string }>('SELECT citizen_id FROM citizen_addresses WHERE address = ANY($1)', [[`tel:${texter}`, `tel:${caller.phoneNumber}`, 'telegram:5550004001']])
    ).map((row) => `citizen:${row.citizen_id}`);
    expect(actors).toHaveLength(3);
    expect(await audited('request.lookup', actors)).toBe(3 * MISSES);
    expect(await audited('request.lookup_limited', actors)).toBe(3);
    const [entry] = await db.query<{ target: string; details: { channel: string; outcome: string } }>(
      "SELECT target, details FROM audit_log WHERE action = 'request.lookup' AND actor = $1 ORDER BY id LIMIT 1",
      [actors[0]],
    );
    expect(entry.details).toEqual({ channel: 'sms', outcome: 'missing' });
    expect(entry.target).toMatch(/^request:\d{11}$/);
    recordFigure(9, 'SMS STATUS, USSD "Check a status" and Telegram /status, 6 guesses each', `5 answered "not found", the 6th refused, on each channel; ${3 * MISSES} lookups audited`);
  });

  it('writes no phone number or token to its logs', () => {
    expect(scanLogs('enumeration', logs.lines, { phones, secrets: [BOT_TOKEN, WEBHOOK_SECRET, TWILIO_ENV.TWILIO_AUTH_TOKEN] })).toEqual([]);
  });
});
