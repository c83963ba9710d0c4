import { migrate } from '../../src/store/migrate';
import type { Database } from '../../src/store/sql';
import { databaseBackends } from '../support/stores';

describe.each(databaseBackends())('the records store on $name', (backend) => {
  let db: Database;
  beforeAll(async () => {
    db = await backend.open();
  });
  afterAll(async () => {
    await db.close();
  });

  it('has applied every migration and applies none twice', async () => {
    const applied = await db.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY name');
    expect(applied.map((row) => row.name)).toContain('001_catalog_citizens_requests.sql');
    expect(await migrate(db)).toEqual([]);
  });

  it('commits a transaction that resolves', async () => {
    await db.transaction(async (tx) => {
      await tx.query('INSERT INTO citizens (locale) VALUES ($1)', ['fil']);
    });
    const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM citizens WHERE locale = 'fil'");
    expect(rows[0].n).toBe(1);
  });

  it('rolls back every statement of a transaction that throws', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO citizens (locale) VALUES ($1)', ['bn']);
        throw new Error('the change failed half-way');
      }),
    ).rejects.toThrow('half-way');
    const rows = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM citizens WHERE locale = 'bn'");
    expect(rows[0].n).toBe(0);
  });
});
