import { ConfigError, loadConfig } from '../config';
import { migrate } from '../store/migrate';
import { describeDatabase, openDatabase } from '../store/open';

/**
 * `npm run migrate`: applies pending migrations to the configured database and exits. The
 * server also migrates at start-up; this is for deployments that migrate as a separate step.
 */
async function run(): Promise<void> {
  const config = loadConfig();
  const db = await openDatabase(config, 1);
  try {
    const applied = await migrate(db);
    process.stdout.write(applied.length > 0 ? `Applied to ${describeDatabase(config)}: ${applied.join(', ')}\n` : `${describeDatabase(config)} is up to date.\n`);
  } finally {
    await db.close();
  }
}

run().catch((error: unknown) => {
  process.stderr.write(`${error instanceof ConfigError ? error.message : `Migration failed: ${(error as Error).message}`}\n`);
  process.exit(1);
});
