import { phoneSender } from '../../../src/channels/sms';
import type { AppContext } from '../../../src/context';
import type { Database } from '../../../src/store/sql';
import { startLingkod, type LogCapture } from '../../support/app';
import { newKey } from '../../support/ministries';
import { databaseBackends } from '../../support/stores';
import { FakeAggregator, SECRETS, providerEnv, type ProviderName } from './fake-aggregators';

const PHONES: Record<ProviderName, string> = { semaphore: '+639170000411', m360: '+639180000422', sslwireless: '+8801710000433' };
/** Where each fake's request names the recipient and the text. */
const FIELDS: Record<ProviderName, { to: string; text: string }> = {
  semaphore: { to: 'number', text: 'message' },
  m360: { to: 'msisdn', text: 'content' },
  sslwireless: { to: 'msisdn', text: 'sms' },
};

describe.each(Object.keys(PHONES) as ProviderName[])('a status update through the real dispatcher with only %s on', (provider) => {
  const [backend] = databaseBackends();
  let db: Database;
  let fake: FakeAggregator;
  let context: AppContext;
  let logs: LogCapture;

  beforeAll(async () => {
    fake = await new FakeAggregator(provider).start();
    db = await backend.open();
    ({ context, logs } = await startLingkod(db, providerEnv(provider, fake.base)));
  });
  afterAll(async () => {
    await context.close();
    await fake.stop();
  });

  it("reaches the provider's API, with the reference, and the outbox records its id", async () => {
    expect(phoneSender(context.channels)?.name).toBe(provider);
    const phone = PHONES[provider];
    const officer = await newKey(db, 'mssd');
    const citizen = await context.citizens.findOrCreate(`tel:${phone}`, 'sms');
    const { reference } = await context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: { full_name: 'Amina Test' }, channel: 'sms' });
    await context.admin.requests.changeStatus(officer.actor, reference, { status: 'in_review' });
    while ((await context.dispatcher.runOnce()) > 0);

    const { to, text } = FIELDS[provider];
    const sent = fake.received.filter((request) => request[to] === phone.slice(1));
    // The filing's receipt and the status update, each with the reference.
    expect(sent).toHaveLength(2);
    for (const message of sent) expect(String(message[text]).replace(/(\d)-(?=\d)/g, '$1')).toContain(reference);
    const [row] = await db.query<{ status: string; channel: string; provider_id: string | null }>(
      "SELECT status, channel, provider_id FROM outbox WHERE address = $1 AND kind = 'status'",
      [`tel:${phone}`],
    );
    expect(row).toMatchObject({ status: 'sent', channel: 'sms' });
    expect(row.provider_id).toBeTruthy();

    // The other providers said they are off, once; no log line names a secret or the number.
    const written = logs.lines.join('\n');
    expect(written).not.toContain(SECRETS[provider]);
    expect(written).not.toContain(phone.slice(1, 10));
    const others = (Object.keys(PHONES) as ProviderName[]).filter((name) => name !== provider);
    for (const other of others) expect(logs.lines.filter((line) => line.includes(`${{ semaphore: 'Semaphore', m360: 'M360', sslwireless: 'SSL Wireless' }[other]} SMS is off`))).toHaveLength(1);
  });
});
