import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_PURPOSES_FILE } from '../../src/services/purposes';
import type { Database } from '../../src/store/sql';
import { startApi, type ApiHarness } from '../support/api';
import { databaseBackends } from '../support/stores';

/**
 * Retention per purpose (issue 20): with announcements kept 2 days, requests' messages 5 and the
 * security traces 10 (a purposes file the deployment changed), one run of the hourly job leaves
 * no copy of a phone number or a message text past its age, in any table Lingkod writes, and
 * keeps the younger ones.
 */
const shipped = readFileSync(DEFAULT_PURPOSES_FILE, 'utf8');
const dir = mkdtempSync(path.join(tmpdir(), 'retention-'));
const file = path.join(dir, 'purposes.yaml');
writeFileSync(
  file,
  shipped
    .replace(/(code: requests[\s\S]*?retentionDays: )7/, '$15')
    .replace(/(code: announcements[\s\S]*?retentionDays: )7/, '$12')
    .replace(/(code: security[\s\S]*?retentionDays: )30/, '$110'),
);

describe.each(databaseBackends())('retention per purpose on $name', (backend) => {
  let db: Database;
  let api: ApiHarness;

  beforeAll(async () => {
    db = await backend.open();
    api = await startApi(db, { PURPOSES_FILE: file });
  });
  afterAll(async () => {
    await api.context.close();
  });

  /** A final message of `kind` queued `days` ago to a number of its own, naming the number in its text too. */
  const message = async (kind: 'reply' | 'status' | 'notice' | 'broadcast', days: number, number: string) => {
    const id = await api.context.outbox.enqueue({ address: `tel:${number}`, channel: 'sms', body: `For ${number}: your update`, kind });
    await db.query(`UPDATE outbox SET status = 'delivered', delivered_at = now(), created_at = now() - make_interval(days => $2) WHERE id = $1`, [id, days]);
  };

  it('removes every copy past its purpose\'s age and keeps the younger', async () => {
    const expired = ['+639170000101', '+639170000102', '+639170000103', '+639170000104', '+639170000105', '+639170000106'];
    const kept = ['+639170000201', '+639170000202', '+639170000203', '+639170000204', '+639170000205', '+639170000206'];
    await message('broadcast', 3, expired[0]);
    await message('broadcast', 1, kept[0]);
    await message('status', 6, expired[1]);
    await message('status', 4, kept[1]);
    await message('reply', 6, expired[2]);
    await message('notice', 4, kept[2]);
    await db.query("INSERT INTO simulator_inbox (address, body, received_at) VALUES ($1, $2, now() - interval '11 days'), ($3, $4, now() - interval '9 days')", ['sim:+639179990001', `Code for ${expired[3]}`, 'sim:+639179990001', `Code for ${kept[3]}`]);
    await db.query("INSERT INTO ussd_hops (gateway, session_id, address, received_at) VALUES ('africastalking', 'ATUid_a', $1, now() - interval '11 days'), ('africastalking', 'ATUid_b', $2, now() - interval '9 days')", [`tel:${expired[4]}`, `tel:${kept[4]}`]);
    await db.query("INSERT INTO inbound_messages (channel, provider_id, received_at) VALUES ('twilio', $1, now() - interval '11 days'), ('twilio', $2, now() - interval '9 days')", [`SM${expired[5]}`, `SM${kept[5]}`]);

    await api.context.retention.runOnce();

    // Every table a number or a text can be in, read whole (a simulated phone's texts name the real numbers here).
    const everything = JSON.stringify(
      await Promise.all(['outbox', 'simulator_inbox', 'ussd_hops', 'inbound_messages', 'consent_events', 'audit_log'].map((table) => db.query(`SELECT * FROM ${table}`))),
    );
    for (const number of expired) expect(everything).not.toContain(number.slice(3));
    for (const number of kept) expect(everything).toContain(number.slice(3));
    // Nor in what Lingkod logged while purging.
    for (const number of [...expired, ...kept]) expect(api.logs.lines.join('\n')).not.toContain(number.slice(3));
    expect(api.logs.lines.join('\n')).toMatch(/"messages":3,"simulated":1,"inboundIds":1,"requests":0,"hops":1.*retention purge done/);
  });
});
