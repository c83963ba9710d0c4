import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import twilio from 'twilio';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import type { LogCapture } from '../support/app';
import { recordFigure, scanLogs } from '../support/figures';
import { postForm, send, type Answer, type Served } from '../support/served';
import { databaseBackends } from '../support/stores';
import { TWILIO_ENV } from '../channels/sms/support';
import statusDelivered from '../../src/channels/twilio/fixtures/status-delivered.json';
import { CHANNEL_SECRETS, KANNEL_TOKEN, serveWithChannels, type ServedLingkod } from './channels';

/**
 * Delivery reports arrive late, twice and out of order. Every message here goes through a
 * journey of statuses (Twilio's status callbacks, Kannel's delivery report types); all reports
 * of all messages are repeated one to three times, shuffled together and posted, many at once.
 * Each message ends at the furthest status it reached, and reports for ids nobody sent are
 * answered 200 and logged.
 */
const MESSAGES = 150;
/** How far each outbox status is along the way; a report only moves a message forward. */
const RANK: Record<string, number> = { queued: 0, sending: 1, sent: 2, failed: 3, delivered: 4 };
const TWILIO_STATUS: Record<string, string | undefined> = { queued: undefined, sending: undefined, sent: 'sent', delivered: 'delivered', read: 'delivered', undelivered: 'failed', failed: 'failed' };
const KANNEL_STATUS: Record<string, string | undefined> = { '1': 'delivered', '2': 'failed', '4': 'sent', '8': 'sent', '16': 'failed' };
/** Journeys as providers report them. */
const TWILIO_JOURNEYS = [['queued', 'sending', 'sent', 'delivered'], ['sent', 'delivered', 'read'], ['sent', 'undelivered'], ['queued', 'failed'], ['sending', 'sent']];
const KANNEL_JOURNEYS = [['8', '1'], ['8', '2'], ['16'], ['8', '4', '1'], ['8']];

const furthest = (statuses: (string | undefined)[]) =>
  statuses.reduce<string>((best, status) => (status !== undefined && RANK[status] > RANK[best] ? status : best), 'sent');

describe('delivery reports shuffled and repeated', () => {
  let db: Database;
  let context: AppContext;
  let logs: LogCapture;
  let served: Served;
  let lingkod: ServedLingkod;

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    lingkod = await serveWithChannels(db, { telegram: false });
    ({ context, logs, served } = lingkod);
  });
  afterAll(async () => {
    await lingkod.close();
  });

  /** Queues messages on a channel and records them as sent under provider ids, as a dispatcher would. */
  async function sentMessages(channel: string, providerId: (id: number) => string): Promise<{ id: number; providerId: string }[]> {
    const ids: number[] = [];
    for (let index = 0; index < MESSAGES; index++) {
      ids.push(await context.outbox.enqueue({ address: `tel:+63917590${String(index).padStart(4, '0')}`, channel, body: 'Your request is ready for pick-up.', kind: 'status' }));
    }
    const sent = ids.map((id) => ({ id, providerId: providerId(id) }));
    const claimed = await context.outbox.claim(channel, MESSAGES);
    expect(claimed).toHaveLength(MESSAGES);
    await context.outbox.settle(sent.map((message) => ({ id: message.id, result: 'sent', providerId: message.providerId })));
    return sent;
  }

  /** Posts many requests, 20 at a time, in the given order. */
  async function postAll(requests: (() => Promise<Answer>)[]): Promise<Answer[]> {
    const answers: Answer[] = [];
    for (let start = 0; start < requests.length; start += 20) answers.push(...(await Promise.all(requests.slice(start, start + 20).map((post) => post()))));
    return answers;
  }

  const finalStatuses = async (ids: number[]) =>
    new Map((await db.query<{ id: string; status: string }>('SELECT id, status FROM outbox WHERE id = ANY($1)', [ids])).map((row) => [Number(row.id), row.status]));

  it('leaves each Twilio message at the furthest status its callbacks reached', async () => {
    const messages = await sentMessages('twilio', () => `SM${randomBytes(16).toString('hex')}`);
    const journeys = messages.map((_, index) => TWILIO_JOURNEYS[index % TWILIO_JOURNEYS.length]);
    const callbacks = messages.flatMap((message, index) => journeys[index].flatMap((state, step) => Array.from({ length: 1 + ((index + step) % 3) }, () => ({ sid: message.providerId, state }))));
    const unknown = Array.from({ length: 20 }, () => ({ sid: `SM${randomBytes(16).toString('hex')}`, state: 'delivered' }));
    const shuffled = fc.sample(fc.shuffledSubarray([...callbacks, ...unknown], { minLength: callbacks.length + unknown.length }), { numRuns: 1, seed: 8 })[0];
    const url = `${TWILIO_ENV.PUBLIC_URL}/sms/twilio/status`;
    const answers = await postAll(
      shuffled.map(({ sid, state }) => () => {
        const form = { ...statusDelivered, MessageSid: sid, SmsSid: sid, MessageStatus: state, SmsStatus: state, ...(state === 'undelivered' || state === 'failed' ? { ErrorCode: '30003' } : {}) };
        return postForm(`${served.base}/sms/twilio/status`, form, { 'X-Twilio-Signature': twilio.getExpectedTwilioSignature(TWILIO_ENV.TWILIO_AUTH_TOKEN, url, form) });
      }),
    );
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    const statuses = await finalStatuses(messages.map((message) => message.id));
    const wrong = messages.filter((message, index) => statuses.get(message.id) !== furthest(journeys[index].map((state) => TWILIO_STATUS[state])));
    expect(wrong).toEqual([]);
    const unknownLogged = logs.lines.filter((line) => line.includes('Twilio status for an unknown message')).length;
    expect(unknownLogged).toBe(unknown.length);
    recordFigure(5, `Twilio: ${callbacks.length} callbacks for ${MESSAGES} messages, repeated 1-3 times and shuffled`, `${MESSAGES} of ${MESSAGES} at their furthest status; ${unknown.length} for unknown ids: 200 and ${unknownLogged} log lines`);
  });

  it('leaves each Kannel message at the furthest status its delivery reports reached', async () => {
    const messages = await sentMessages('kannel', (id) => String(id));
    const journeys = messages.map((_, index) => KANNEL_JOURNEYS[index % KANNEL_JOURNEYS.length]);
    const reports = messages.flatMap((message, index) => journeys[index].flatMap((type, step) => Array.from({ length: 1 + ((index * 2 + step) % 3) }, () => ({ id: message.providerId, type }))));
    const unknown = Array.from({ length: 20 }, (_, index) => ({ id: String(900_000_000 + index), type: '1' }));
    const shuffled = fc.sample(fc.shuffledSubarray([...reports, ...unknown], { minLength: reports.length + unknown.length }), { numRuns: 1, seed: 5 })[0];
    const answers = await postAll(
      shuffled.map(({ id, type }) => () => send(`${served.base}/sms/kannel/dlr?token=${KANNEL_TOKEN}&id=${id}&status=${type}&reply=${encodeURIComponent(type === '1' ? 'id:1 stat:DELIVRD err:000' : 'id:1 stat:UNDELIV err:001')}`)),
    );
    expect(answers.filter((answer) => answer.status !== 200)).toEqual([]);
    const statuses = await finalStatuses(messages.map((message) => message.id));
    const wrong = messages.filter((message, index) => statuses.get(message.id) !== furthest(journeys[index].map((type) => KANNEL_STATUS[type])));
    expect(wrong).toEqual([]);
    const unknownLogged = logs.lines.filter((line) => line.includes('Kannel delivery report for an unknown message')).length;
    expect(unknownLogged).toBe(unknown.length);
    recordFigure(5, `Kannel: ${reports.length} delivery reports for ${MESSAGES} messages, repeated 1-3 times and shuffled`, `${MESSAGES} of ${MESSAGES} at their furthest status; ${unknown.length} for unknown ids: 200 and ${unknownLogged} log lines`);
  });

  it('writes no phone number, token or message body to its logs', () => {
    expect(scanLogs('status-callbacks', logs.lines, { phones: ['+639175900001'], secrets: CHANNEL_SECRETS, bodies: ['Your request is ready for pick-up.'] })).toEqual([]);
  });
});
