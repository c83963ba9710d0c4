import { ProfileService } from '../../src/services/profiles';
import type { Database } from '../../src/store/sql';
import { UssdPhone } from '../support/app';
import { databaseBackends } from '../support/stores';
import { MARAWI, startCentres, type CentreHarness } from './support';

/**
 * Erasure reaches what the centres and family phones hold too: the names of the people who
 * share the phone, and requests a centre filed for the citizen (answers cleared, a pending one
 * declined so it can never be confirmed afterwards).
 */
describe.each(databaseBackends())('erasing a citizen served at a centre, records on $name', (backend) => {
  let db: Database;
  let h: CentreHarness;

  beforeAll(async () => {
    db = await backend.open();
    h = await startCentres(db);
  });
  afterAll(async () => {
    await h.context.close();
  });

  it('clears the family names and the centre request, declines it, and the next dial starts afresh', async () => {
    const number = '+639171236001';
    const centreKey = (await h.keyFor('mssd', MARAWI)).key;
    const filed = await h.file(centreKey, { phone: number, locale: 'en', person: { name: 'Bai Amina Guro', relationship: 'child' } });
    expect(filed.status).toBe(201);
    const [{ citizen_id: citizenId }] = await db.query<{ citizen_id: string }>('SELECT citizen_id FROM citizen_addresses WHERE address = $1', [`tel:${number}`]);
    await new ProfileService(db).add(Number(citizenId), { name: 'Datu Kalim Guro', relationship: 'spouse' });

    const erasure = await h.context.dataRights.erase(Number(citizenId), 'ussd');
    expect(erasure).toMatchObject({ addresses: 1, profiles: 1, assistedCleared: 1 });

    const profiles = await db.query<{ name: string; hidden: boolean }>('SELECT name, removed_at IS NOT NULL AS hidden FROM profiles WHERE citizen_id = $1', [citizenId]);
    expect(profiles).toEqual([{ name: '', hidden: true }]);
    const [assisted] = await db.query<{ status: string; answers: object; person: object | null; address: string }>(
      'SELECT status, answers, person, address FROM assisted_requests WHERE id = $1',
      [filed.body.request.id],
    );
    expect(assisted).toEqual({ status: 'declined', answers: {}, person: null, address: expect.stringMatching(/^erased:\d+$/) });
    const everything = JSON.stringify([await db.query('SELECT * FROM profiles'), await db.query('SELECT * FROM assisted_requests')]);
    for (const held of ['Bai Amina', 'Datu Kalim', 'Amina Datu', '9171236001']) expect(everything).not.toContain(held);

    // The phone is a stranger now: no request waiting to be confirmed, a language to choose.
    expect(await new UssdPhone(h.app, number).dial()).toMatch(/^CON Choose your language/);
    // Erasing again finds nothing more to clear.
    expect(await h.context.dataRights.erase(Number(citizenId), 'ussd')).toMatchObject({ profiles: 0, assistedCleared: 0 });
  });
});
