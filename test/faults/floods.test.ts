import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import type { AppContext } from '../../src/context';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import type { Database } from '../../src/store/sql';
import { TODAY, type LogCapture } from '../support/app';
import { percentile, recordFigure, scanLogs } from '../support/figures';
import { newKey } from '../support/ministries';
import { postForm, send, type Answer, type Served } from '../support/served';
import { databaseBackends } from '../support/stores';
import { TWILIO_ENV, inboundForm, messageSid, twimlText } from '../channels/sms/support';
import { CHANNEL_SECRETS, KANNEL_TOKEN, serveWithChannels, type ServedLingkod } from './channels';

/**
 * Floods and SMS pumping. One number texting 1,000 times within a minute (through Twilio, and
 * through Kannel) gets no more replies than SMS_REPLIES_PER_MINUTE, while ten other citizens
 * go on with their conversations and get every reply; their latency with and without the
 * flood is reported (not asserted: this machine is shared). Numbers outside
 * ALLOWED_COUNTRY_CODES are never sent to: not in reply, not a status update, not a broadcast.
 */
const FLOOD = Number(process.env.FLOOD_MESSAGES ?? 1000);
const REPLIES_PER_MINUTE = 10;
const OTHERS = 10;
const STEPS = ['MENU', '1', '1', '1', '0', '2'];
const FOREIGN = ['+14155550100', '+447700900123', '+61412345678'];

describe('floods and numbers outside the allowed countries', () => {
  let db: Database;
  let context: AppContext;
  let logs: LogCapture;
  let served: Served;
  let lingkod: ServedLingkod;
  let sendsms: Server;
  /** Every number Kannel's sendsms was asked to send to. */
  const sentTo: string[] = [];
  const phones: string[] = [...FOREIGN];

  beforeAll(async () => {
    sendsms = createServer((req, res) => {
      sentTo.push(new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '');
      res.writeHead(202).end('0: Accepted for delivery');
    });
    await new Promise<void>((resolve) => sendsms.listen(0, '127.0.0.1', resolve));
    db = await databaseBackends()[0].open();
    // The counters' clock stands still: the whole flood falls in one minute however slow the machine.
    lingkod = await serveWithChannels(db, {
      telegram: false,
      env: {
        KANNEL_SENDSMS_URL: `http://127.0.0.1:${(sendsms.address() as AddressInfo).port}/cgi-bin/sendsms`,
        SMS_REPLIES_PER_MINUTE: String(REPLIES_PER_MINUTE),
        BROADCAST_QUIET_HOURS: 'off',
        ALLOWED_COUNTRY_CODES: '63,880',
      },
      overrides: { store: new MemoryEphemeralStore(() => TODAY.getTime()) },
    });
    ({ context, logs, served } = lingkod);
  });
  afterAll(async () => {
    await lingkod.close();
    await new Promise((resolve) => sendsms.close(resolve));
  });

  const twilioText = (from: string, text: string): Promise<Answer> => {
    const form = inboundForm(from, text, messageSid());
    const signature = twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, `${TWILIO_ENV.PUBLIC_URL}/sms/twilio`, form);
    return postForm(`${served.base}/sms/twilio`, form, { 'X-Twilio-Signature': signature });
  };
  const kannelText = (from: string, text: string, id: string): Promise<Answer> =>
    send(`${served.base}/sms/kannel?token=${KANNEL_TOKEN}&from=${encodeURIComponent(from)}&to=2600&text=${encodeURIComponent(text)}&id=${id}&coding=0&charset=UTF-8`);

  /** Ten citizens each walk a six-step conversation, all at once; returns every answer. */
  async function others(round: number): Promise<Answer[]> {
    const answers: Answer[] = [];
    await Promise.all(
      Array.from({ length: OTHERS }, async (_, index) => {
        const number = `+6391762${round}${String(index).padStart(4, '0')}`;
        phones.push(number);
        for (const step of STEPS) answers.push(await twilioText(number, step));
      }),
    );
    return answers;
  }

  /** One number sends `count` texts, eight at a time; returns how many were answered. */
  async function flood(count: number, text: (index: number) => Promise<Answer>): Promise<Answer[]> {
    const answers: Answer[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < count) answers.push(await text(next++));
      }),
    );
    return answers;
  }

  it(`answers a number that texts ${FLOOD} times in a minute only ${REPLIES_PER_MINUTE} times, and everyone else every time`, async () => {
    const calm = await others(0);
    const flooder = '+639176300001';
    const kannelFlooder = '+639176300002';
    phones.push(flooder, kannelFlooder);
    const started = Date.now();
    const [flooded, busy] = await Promise.all([flood(FLOOD, () => twilioText(flooder, 'MENU')), others(1)]);
    const kannelFlooded = await flood(FLOOD, (index) => kannelText(kannelFlooder, 'MENU', `flood-${index}`));
    const seconds = (Date.now() - started) / 1000;

    expect([...flooded, ...kannelFlooded, ...calm, ...busy].every((answer) => answer.status === 200)).toBe(true);
    const twilioReplies = flooded.filter((answer) => twimlText(answer.text) !== '').length;
    const [{ n: kannelReplies }] = await db.query<{ n: string }>('SELECT count(*) AS n FROM outbox WHERE address = $1', [`tel:${kannelFlooder}`]);
    expect(twilioReplies).toBe(REPLIES_PER_MINUTE);
    expect(Number(kannelReplies)).toBe(REPLIES_PER_MINUTE);
    expect(calm.filter((answer) => twimlText(answer.text) === '')).toHaveLength(0);
    expect(busy.filter((answer) => twimlText(answer.text) === '')).toHaveLength(0);

    const ms = (answers: Answer[], p: number) => percentile(answers.map((answer) => answer.ms), p).toFixed(0);
    recordFigure(8, `one number texting ${FLOOD} times through Twilio, and ${FLOOD} through Kannel (sent in ${seconds.toFixed(0)} s; one minute on the counters' clock)`, `${twilioReplies} and ${kannelReplies} replies (SMS_REPLIES_PER_MINUTE=${REPLIES_PER_MINUTE})`);
    recordFigure(8, `${OTHERS} other citizens, ${STEPS.length} texts each: replies without / with the flood`, `${calm.length - calm.filter((a) => twimlText(a.text) === '').length}/${calm.length} and ${busy.length - busy.filter((a) => twimlText(a.text) === '').length}/${busy.length}`);
    recordFigure(8, 'their latency p50 / p99 without the flood → with it (reported, not asserted)', `${ms(calm, 50)} / ${ms(calm, 99)} ms → ${ms(busy, 50)} / ${ms(busy, 99)} ms`);
  }, 120_000);

  it('never sends to a number outside ALLOWED_COUNTRY_CODES: no reply, no status update, no broadcast', async () => {
    // Texts from abroad are acknowledged and not answered.
    const texts = await Promise.all(FOREIGN.flatMap((number, index) => [twilioText(number, 'MENU'), kannelText(number, 'MENU', `abroad-${index}`)]));
    expect(texts.map((answer) => answer.status)).toEqual(texts.map(() => 200));
    expect(texts.filter((answer) => twimlText(answer.text) !== '')).toEqual([]);

    // Citizens abroad (a roaming number that reached USSD, say) with a request and a subscription,
    // beside one at home: the ministry moves their requests and broadcasts to their topic.
    const home = '+639176400001';
    phones.push(home);
    const officer = await newKey(db, 'mssd');
    const references: string[] = [];
    for (const number of [...FOREIGN, home]) {
      const citizen = await context.citizens.findOrCreate(`tel:${number}`, 'ussd');
      references.push((await context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: { full_name: 'Test' }, channel: 'ussd' })).reference);
      await context.subscriptions.subscribe(citizen.id, 'aid-payouts', 'bas-lamitan');
    }
    for (const reference of references) await context.admin.requests.changeStatus(officer.actor, reference, { status: 'in_review' });
    const broadcast = await context.admin.broadcasts.create(officer.actor, {
      ministryCode: 'mssd',
      topic: 'aid-payouts',
      municipalities: null,
      channels: null,
      languages: null,
      texts: { en: 'Aid payout on Friday at the municipal hall.' },
      defaultLocale: 'en',
      emergency: false,
    });
    await context.admin.broadcasts.schedule(officer.actor, broadcast.id);
    await context.admin.broadcasts.fanOutDue();
    while ((await context.dispatcher.runOnce()) > 0);

    const foreignDigits = FOREIGN.map((number) => number.replace(/\D/g, ''));
    expect(sentTo.filter((to) => foreignDigits.some((digits) => to.replace(/\D/g, '').endsWith(digits)))).toEqual([]);
    // The number at home: the filing's receipt, the status update and the broadcast.
    expect(sentTo.filter((to) => to.replace(/\D/g, '').endsWith(home.replace(/\D/g, '')))).toHaveLength(3);
    const refused = await db.query<{ kind: string; status: string }>('SELECT kind, status FROM outbox WHERE address = ANY($1)', [FOREIGN.map((number) => `tel:${number}`)]);
    expect(refused.map((row) => row.status)).toEqual(refused.map(() => 'failed'));
    expect(new Set(refused.map((row) => row.kind))).toEqual(new Set(['status', 'broadcast']));
    recordFigure(8, `numbers outside ALLOWED_COUNTRY_CODES (${FOREIGN.length}): texts, status updates and a broadcast`, `${texts.length} texts unanswered; ${refused.length} messages queued, all failed unsent; 0 reached the provider (the number at home got its 3)`);
  });

  it('writes no phone number, token or message body to its logs', () => {
    expect(scanLogs('floods', logs.lines, { phones, secrets: CHANNEL_SECRETS, bodies: ['Aid payout on Friday at the municipal hall.'] })).toEqual([]);
  });
});
