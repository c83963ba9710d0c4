import type { Database } from '../../src/store/sql';
import { databaseBackends } from '../support/stores';
import { MARAWI, startCentres, type CentreHarness } from './support';

/**
 * A centre's filing texts a phone that may never have written to us, so a leaked centre key
 * would be a way to text any number at our cost: each filing's SMS is taken from the
 * unsolicited-SMS budget (here: 3 an hour for one centre), and past it the filing stands but
 * says plainly that no SMS went.
 */
describe.each(databaseBackends())('SMS of centre filings within the unsolicited-SMS budget, records on $name', (backend) => {
  let db: Database;
  let h: CentreHarness;

  beforeAll(async () => {
    db = await backend.open();
    h = await startCentres(db, { UNSOLICITED_SMS_PER_GATEWAY_PER_HOUR: '3' });
  });
  afterAll(async () => {
    await h.context.close();
  });

  it('texts the first 3 filings of the hour and files the rest without an SMS, saying why', async () => {
    const marawi = await h.keyFor('mssd', MARAWI);
    const notifications = [];
    for (let index = 0; index < 5; index++) {
      const response = await h.file(marawi.key, { phone: `0917 555 10${index}0` });
      expect(response.status).toBe(201);
      expect(response.body.request.status).toBe('pending');
      notifications.push(response.body.notification);
    }
    expect(notifications.slice(0, 3).every((notification) => notification.queued === true)).toBe(true);
    expect(notifications.slice(3)).toEqual([
      { queued: false, reason: 'no SMS was sent: the limit of SMS to phones that have not texted us (from this centre this hour) is reached' },
      { queued: false, reason: 'no SMS was sent: the limit of SMS to phones that have not texted us (from this centre this hour) is reached' },
    ]);
    const [{ n }] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM outbox WHERE address LIKE 'tel:+63917555%'`);
    expect(Number(n)).toBe(3);
  });
});
