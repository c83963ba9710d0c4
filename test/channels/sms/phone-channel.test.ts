import nock from 'nock';
import twilio from 'twilio';
import { phoneChannel } from '../../../src/channels/sms';
import { SMS_CHANNEL } from '../../../src/conversation/sms';
import { twilioSms } from '../../../src/channels/twilio/twilio';
import statusDelivered from '../../../src/channels/twilio/fixtures/status-delivered.json';
import type { AppContext } from '../../../src/context';
import { createApp } from '../../../src/http/app';
import { Dispatcher } from '../../../src/outbox/dispatcher';
import type { Database } from '../../../src/store/sql';
import { startLingkod } from '../../support/app';
import { uninstallNockAfterThisFile } from '../../support/nock';
import { databaseBackends } from '../../support/stores';
import { TWILIO_ENV, postSigned } from './support';

const API = 'https://api.twilio.com';
const MESSAGES = `/2010-04-01/Accounts/${TWILIO_ENV.TWILIO_ACCOUNT_SID}/Messages.json`;

uninstallNockAfterThisFile();

/**
 * Status updates and broadcasts are queued for phones under the logical channel `sms` (they
 * know a phone, not a provider). Here they go out through the configured provider, and that
 * provider's delivery report finds them.
 */
describe('messages queued for a phone under the logical channel sms', () => {
  let db: Database;
  let context: AppContext;

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    ({ context } = await startLingkod(db, TWILIO_ENV));
    nock.disableNetConnect();
    nock.enableNetConnect(/127\.0\.0\.1|localhost/);
  });
  afterAll(async () => {
    nock.enableNetConnect();
    await context.close();
  });

  it('are routed through the running composition root to a provider', () => {
    expect(context.channels.map((channel) => channel.name)).toEqual(expect.arrayContaining(['twilio', SMS_CHANNEL]));
  });

  it('go out through Twilio and advance to delivered on its status callback', async () => {
    const client = twilio(TWILIO_ENV.TWILIO_ACCOUNT_SID, TWILIO_ENV.TWILIO_AUTH_TOKEN, { keepAlive: false });
    const provider = twilioSms({ ...context, client });
    const phones = phoneChannel([provider]);
    expect(phones?.name).toBe(SMS_CHANNEL);
    const dispatcher = new Dispatcher({ outbox: context.outbox, channels: [phones!], log: context.log, maxAttempts: 3 });

    const sid = `SM${'7'.repeat(32)}`;
    const sent = nock(API).post(MESSAGES).reply(201, { sid, status: 'queued' });
    const id = await context.outbox.enqueue({ address: 'tel:+639170000401', channel: SMS_CHANNEL, body: 'Your request was approved.', kind: 'status' });
    expect(await dispatcher.runOnce()).toBeGreaterThanOrEqual(1);
    expect(sent.isDone()).toBe(true);
    const [afterSend] = await db.query<{ status: string; provider_id: string }>('SELECT status, provider_id FROM outbox WHERE id = $1', [id]);
    expect(afterSend).toEqual({ status: 'sent', provider_id: sid });

    const app = createApp({ ...context, channels: [provider] });
    const callback = { ...statusDelivered, MessageSid: sid, SmsSid: sid, To: '+639170000401' };
    expect((await postSigned(app, '/sms/twilio/status', callback)).status).toBe(200);
    const [afterReport] = await db.query<{ status: string }>('SELECT status FROM outbox WHERE id = $1', [id]);
    expect(afterReport.status).toBe('delivered');
  });
});
