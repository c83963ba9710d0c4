import { SendError, type SendingChannel } from '../../../src/channels/channel';
import { m360Sms } from '../../../src/channels/m360/m360';
import { SEMAPHORE_RATE_PER_SECOND, semaphoreSms } from '../../../src/channels/semaphore/semaphore';
import { untilMidnight } from '../../../src/channels/sms/outbound';
import { csmsIdOf, sslWirelessSms } from '../../../src/channels/sslwireless/sslwireless';
import { loadConfig } from '../../../src/config';
import { createLogger } from '../../../src/log';
import { LogCapture } from '../../support/app';
import { SECRETS, fakeFor, providerEnv, type FakeAggregator, type ProviderName } from './fake-aggregators';

const NOW = new Date('2026-11-28T08:00:00Z');
const PH = 'tel:+639170000101';
const BD = 'tel:+8801710000303';

/** One provider's channel against its fake, logs captured. */
function channelFor(provider: ProviderName, fake: FakeAggregator, logs: LogCapture, now = () => NOW): SendingChannel {
  const config = loadConfig({ ...providerEnv(provider, fake.base), LOG_LEVEL: 'info' });
  const deps = { config, log: createLogger('info', logs), now };
  if (provider === 'semaphore') return semaphoreSms(deps);
  if (provider === 'm360') return m360Sms(deps);
  return sslWirelessSms(deps);
}

/** The SendError a send threw (fails the test when it resolved). */
async function refusalOf(send: Promise<unknown>): Promise<SendError> {
  const error = await send.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(SendError);
  return error as SendError;
}

/** Expected decisions, per fixture refusal: retryable, the wait (ms) or undefined, unreachable, words in the reason. */
type Expected = [name: string, retryable: boolean, waitMs: number | undefined, unreachable: boolean, words: RegExp];

const MANILA_MIDNIGHT = untilMidnight(NOW, 8);
const CASES: Record<ProviderName, { address: string; refusals: Expected[] }> = {
  semaphore: {
    address: PH,
    refusals: [
      ['flooding', true, 40_000, false, /HTTP 429.*flooding/],
      ['unregistered-sender', false, undefined, false, /sendername.*not registered.*SEMAPHORE_SENDER.*sendername is invalid/],
      ['invalid-number', false, undefined, true, /number.*invalid number.*number format is invalid/],
      ['bad-key', false, undefined, false, /apikey.*SEMAPHORE_API_KEY/],
      ['insufficient-balance', true, 30 * 60_000, false, /insufficient balance: Your current balance of 0 credits/],
      ['daily-maximum', true, MANILA_MIDNIGHT, false, /daily maximum reached/],
      ['server-error', true, undefined, false, /HTTP 503.*Service Unavailable/],
    ],
  },
  m360: {
    address: PH,
    refusals: [
      ['unregistered-sender', false, undefined, false, /HTTP 422.*sender mask is not provisioned.*M360_SHORTCODE_MASK/],
      ['insufficient-balance', true, 30 * 60_000, false, /HTTP 402.*insufficient balance: Credits Consumed/],
      ['flooding', true, 30_000, false, /HTTP 429.*flooding/],
      ['daily-maximum', true, MANILA_MIDNIGHT, false, /daily maximum reached: Daily sending limit/],
      ['invalid-number', false, undefined, true, /invalid number: The msisdn format is invalid/],
      ['bad-credentials', false, undefined, false, /HTTP 401.*M360_PASSWORD/],
      ['server-error', true, undefined, false, /HTTP 502.*Bad Gateway/],
    ],
  },
  sslwireless: {
    address: BD,
    refusals: [
      ['bad-token', false, undefined, false, /status_code 4001.*SSLWIRELESS_API_TOKEN\): Unauthorized/],
      ['unregistered-sender', false, undefined, false, /status_code 4002.*unregistered sender/],
      ['invalid-number', false, undefined, true, /status_code 4025.*invalid number: Invalid MSISDN/],
      ['blocked-number', false, undefined, true, /status_code 4026.*blocked/],
      ['flooding', true, 60_000, false, /status_code 4029.*flooding/],
      ['tps-exceeded', true, 1000, false, /status_code 4031.*transactions per second/],
      ['insufficient-balance', true, 30 * 60_000, false, /insufficient balance: Insufficient balance/],
      ['unknown', true, undefined, false, /status_code 5000.*Unknown Error/],
    ],
  },
};

describe.each(Object.keys(CASES) as ProviderName[])('outbound SMS through %s', (provider) => {
  const { address, refusals } = CASES[provider];
  const fakeOf = fakeFor(provider);
  let fake: FakeAggregator;
  let logs: LogCapture;
  let channel: SendingChannel;
  let id = 100;

  beforeEach(() => {
    fake = fakeOf();
    logs = new LogCapture();
    channel = channelFor(provider, fake, logs);
  });
  afterEach(() => {
    // Whatever happened, no log line names the account's secret or the recipient's number.
    const written = logs.lines.join('\n');
    expect(written).not.toContain(SECRETS[provider]);
    expect(written).not.toContain(address.slice(5, 13));
  });

  it("sends one message with the documented fields and returns the provider's id", async () => {
    const sent = await channel.send({ id: ++id, address, body: 'Your request LGK-0001 is approved.' });
    const [request] = fake.received.slice(-1);
    const digits = address.slice(5);
    if (provider === 'semaphore') {
      expect(request).toEqual({ apikey: SECRETS.semaphore, number: digits, message: 'Your request LGK-0001 is approved.', sendername: 'LINGKOD' });
      expect(sent.providerId).toBe(String(7300100 + fake.received.length));
    } else if (provider === 'm360') {
      expect(request).toEqual({ app_key: 'lingkod-app', app_secret: SECRETS.m360, msisdn: digits, content: 'Your request LGK-0001 is approved.', shortcode_mask: 'LINGKOD', is_intl: false });
      expect(sent.providerId).toBe(`M360-${5510200 + fake.received.length}`);
    } else {
      expect(request).toEqual({ api_token: SECRETS.sslwireless, sid: 'LINGKODBD', msisdn: digits, sms: 'Your request LGK-0001 is approved.', csms_id: `${id}D261128` });
      expect(sent.providerId).toBe(`ref${fake.received.length}`);
    }
  });

  it.each(refusals)('maps the refusal %s to the right decision, with the reason kept', async (name, retryable, waitMs, unreachable, words) => {
    fake.queue.push(name);
    const error = await refusalOf(channel.send({ id: ++id, address, body: 'Your request LGK-0002 is ready.' }));
    expect(error).toMatchObject({ retryable, retryAfterMs: waitMs, unreachable });
    expect(error.message).toMatch(words);
    expect(error.message).not.toContain(address.slice(5));
  });

  it('refuses, unsent, a number outside ALLOWED_COUNTRY_CODES and an address that is not a phone', async () => {
    const before = fake.received.length;
    expect(await refusalOf(channel.send({ id: ++id, address: 'tel:+14155550100', body: 'hello' }))).toMatchObject({ retryable: false, unreachable: true });
    expect(await refusalOf(channel.send({ id: ++id, address: 'telegram:12345', body: 'hello' }))).toMatchObject({ retryable: false, unreachable: true });
    expect(fake.received.length).toBe(before);
  });
});

describe('Semaphore specifics', () => {
  const fake = fakeFor('semaphore');

  it('refuses a message starting with "TEST" before sending, for good, saying why (Semaphore would drop it silently)', async () => {
    const channel = channelFor('semaphore', fake(), new LogCapture());
    for (const body of ['TEST of the emergency line', '  test: water interruption', 'Testing the new office hours']) {
      const error = await refusalOf(channel.send({ id: 1, address: PH, body }));
      expect(error).toMatchObject({ retryable: false, unreachable: false });
      expect(error.message).toMatch(/Semaphore silently drops messages that start with "TEST"/);
    }
    expect(fake().received).toEqual([]);
    // What the refusal prevents: the provider answers success and sends nothing.
    await fetch(`${fake().base}/api/v4/messages`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ apikey: SECRETS.semaphore, number: '639170000101', message: 'TEST', sendername: 'LINGKOD' }) });
    expect(fake().dropped).toHaveLength(1);
    expect(await channel.send({ id: 2, address: PH, body: 'A test of patience: your request is approved.' })).toHaveProperty('providerId');
  });

  it('sends at most 120 calls a minute (2 a second)', () => {
    expect(SEMAPHORE_RATE_PER_SECOND).toBe(2);
    expect(channelFor('semaphore', fake(), new LogCapture()).ratePerSecond).toBe(2);
  });
});

describe('SSL Wireless csms_id', () => {
  const fake = fakeFor('sslwireless');

  it('is the same for every attempt at one message on one day, so a retry after a lost answer is not sent twice', async () => {
    const channel = channelFor('sslwireless', fake(), new LogCapture());
    const first = await channel.send({ id: 4242, address: BD, body: 'আপনার আবেদন অনুমোদিত।' });
    // The answer was lost (say, a timeout): the outbox tries again, the same day.
    const again = await channel.send({ id: 4242, address: BD, body: 'আপনার আবেদন অনুমোদিত।' });
    const ids = fake().received.slice(-2).map((request) => request.csms_id);
    expect(ids).toEqual(['4242D261128', '4242D261128']);
    expect(first.providerId).toBe(`ref${fake().received.length - 1}`);
    // SSL Wireless refused the second as a duplicate: it was accepted the first time.
    expect(again.providerId).toBe('4242D261128');
  });

  it("is unique across days (Dhaka's day), and never longer than 20 characters", async () => {
    let now = new Date('2026-11-28T17:59:00Z'); // 23:59 in Dhaka
    const channel = channelFor('sslwireless', fake(), new LogCapture(), () => now);
    await channel.send({ id: 77, address: BD, body: 'one' });
    now = new Date('2026-11-28T18:01:00Z'); // 00:01 the next day in Dhaka
    fake().today = '2026-11-29';
    const next = await channel.send({ id: 77, address: BD, body: 'one' });
    expect(fake().received.slice(-2).map((request) => request.csms_id)).toEqual(['77D261128', '77D261129']);
    expect(next.providerId).toMatch(/^ref/);
    expect(csmsIdOf(999_999_999_999, now).length).toBeLessThanOrEqual(20);
  });
});

describe('outbound SMS settings', () => {
  it('requires https base URLs in production while a provider is configured', () => {
    const production = { NODE_ENV: 'production', ADMIN_API_KEY: '' };
    expect(() => loadConfig({ ...production, ...providerEnv('semaphore', 'http://semaphore.test') })).toThrow(/SEMAPHORE_API_URL: in production it must be an https:\/\//);
    expect(() => loadConfig({ ...production, ...providerEnv('m360', 'http://m360.test') })).toThrow(/M360_API_URL: in production it must be an https:\/\//);
    expect(() => loadConfig({ ...production, ...providerEnv('sslwireless', 'http://ssl.test') })).toThrow(/SSLWIRELESS_API_URL: in production it must be an https:\/\//);
    expect(loadConfig({ ...production, ...providerEnv('sslwireless', 'https://smsplus.sslwireless.com') }).SSLWIRELESS_API_URL).toBe('https://smsplus.sslwireless.com');
    expect(loadConfig({}).SEMAPHORE_API_URL).toBe('https://api.semaphore.co');
  });
});
