import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { runAdmin } from '../../src/cli/admin';
import { ApiKeyService } from '../../src/services/api-keys';
import { loadSampleCatalogIfEmpty } from '../../src/services/catalog-import';
import type { Database } from '../../src/store/sql';
import { databaseBackends } from '../support/stores';

const ROOT = path.resolve(__dirname, '..', '..');

/** Runs one admin command, capturing what it prints. */
async function admin(db: Database, ...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAdmin(args, db, { out: (text) => void (out += text), err: (text) => void (err += text) });
  return { code, out, err };
}

// Keys themselves are tested on every backend through the API; the command needs only one: the quickest to open.
describe.each(databaseBackends().slice(-1))('npm run admin on $name', (backend) => {
  let db: Database;

  beforeAll(async () => {
    db = await backend.open();
    await loadSampleCatalogIfEmpty(db);
  });
  afterAll(async () => {
    await db.close();
  });

  it('create-key --ministry prints a new key for the ministry, alone on stdout, and audits it as the admin command', async () => {
    const { code, out, err } = await admin(db, 'create-key', '--ministry', 'moh', '--name', 'MOH first officer', '--holder', 'Dr. Farida Usman', '--role', 'admin');
    expect(code).toBe(0);
    expect(out).toMatch(/^lk_[A-Za-z0-9_-]{43}\n$/);
    expect(err).toContain('shown only this once');
    const record = await new ApiKeyService(db).authenticate(out.trim());
    expect(record).toMatchObject({ ministryCode: 'moh', name: 'MOH first officer', holder: 'Dr. Farida Usman', role: 'admin', source: 'cli' });
    const [audit] = await db.query("SELECT actor, key_id, action, ministry_code FROM audit_log WHERE action = 'key.create' ORDER BY id DESC LIMIT 1");
    expect(audit).toMatchObject({ actor: 'cli', key_id: null, ministry_code: 'moh' });
  });

  it('create-key --super-admin prints a super-admin key', async () => {
    const { code, out } = await admin(db, 'create-key', '--super-admin', '--holder', 'Regional IT operator');
    expect(code).toBe(0);
    expect(await new ApiKeyService(db).authenticate(out.trim())).toMatchObject({ ministryCode: null, role: 'admin', holder: 'Regional IT operator' });
  });

  it('lists keys without the keys, and revokes one', async () => {
    const created = await admin(db, 'create-key', '--ministry', 'mssd', '--holder', 'Bai Norhata');
    const record = await new ApiKeyService(db).authenticate(created.out.trim());
    const listed = await admin(db, 'list-keys', '--ministry', 'mssd');
    expect(listed.out).toContain(`${record?.id}\tmssd\tofficer\t${created.out.slice(0, 9)}…\tcli`);
    expect(listed.out).toContain('\tBai Norhata\n');
    expect(listed.out).not.toContain(created.out.trim());
    expect((await admin(db, 'revoke-key', String(record?.id))).code).toBe(0);
    expect(await new ApiKeyService(db).authenticate(created.out.trim())).toBeUndefined();
    expect(await admin(db, 'revoke-key', String(record?.id))).toMatchObject({ code: 1, err: expect.stringContaining('already revoked') });
  });

  it('refuses an unknown ministry and a malformed command, saying how to use it', async () => {
    expect(await admin(db, 'create-key', '--ministry', 'atlantis', '--holder', 'Someone')).toMatchObject({ code: 1, out: '', err: 'unknown ministry "atlantis"\n' });
    expect(await admin(db, 'create-key')).toMatchObject({ code: 2, err: expect.stringContaining('Usage: npm run admin') });
    // Every key names its holder; a role is a ministry key's, and only admin or officer.
    expect(await admin(db, 'create-key', '--ministry', 'moh')).toMatchObject({ code: 2, out: '' });
    expect(await admin(db, 'create-key', '--ministry', 'moh', '--holder', 'X')).toMatchObject({ code: 1, err: expect.stringContaining('holder must be') });
    expect(await admin(db, 'create-key', '--ministry', 'moh', '--holder', 'Someone', '--role', 'boss')).toMatchObject({ code: 2 });
    expect(await admin(db, 'create-key', '--super-admin', '--holder', 'Someone', '--role', 'officer')).toMatchObject({ code: 2 });
    expect(await admin(db, 'create-key', '--ministry', 'moh', '--super-admin')).toMatchObject({ code: 2 });
    expect(await admin(db, 'create-key', '--colour', 'red')).toMatchObject({ code: 2, err: expect.stringContaining("Unknown option '--colour'") });
    expect(await admin(db, 'revoke-key', 'seven')).toMatchObject({ code: 2 });
  });
});

describe('the admin command as a process', () => {
  it('reads the configuration and prints a key', async () => {
    // Its own throw-away database on the real PostgreSQL, or a PGlite directory where there is none (CI requires PostgreSQL).
    const adminUrl = process.env.LINGKOD_TEST_POSTGRES;
    const name = `lingkod_admin_${process.pid}_${randomBytes(4).toString('hex')}`;
    let env: Record<string, string>;
    if (adminUrl) {
      await withClient(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      env = { DATABASE_URL: url.toString() };
    } else {
      env = { DATA_DIR: path.join(ROOT, 'test-artifacts', name) };
    }
    try {
      const { stdout } = await promisify(execFile)(
        process.execPath,
        ['-r', './test/support/ts-register.js', 'src/cli/admin.ts', 'create-key', '--super-admin', '--name', 'process test', '--holder', 'Process tester'],
        { cwd: ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, timeout: 20_000 },
      );
      expect(stdout).toMatch(/^lk_[A-Za-z0-9_-]{43}\n$/);
    } finally {
      if (adminUrl) await withClient(adminUrl, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      else await rm(env.DATA_DIR, { recursive: true, force: true });
    }
  });
});

async function withClient(url: string, work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}
