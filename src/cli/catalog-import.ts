import { readFile } from 'node:fs/promises';
import { ConfigError, loadConfig } from '../config';
import { CATALOG_KINDS, CatalogError, importCatalog, parseCatalog, type ImportSummary } from '../services/catalog-import';
import { migrate } from '../store/migrate';
import { describeDatabase, openDatabase } from '../store/open';

/**
 * `npm run catalog:import -- FILE`: validates a catalog file (YAML or JSON) and replaces the
 * catalog in the configured database with it, in one transaction. A file with mistakes is
 * refused before the database is touched, with one `file:line: field: problem` line each.
 */

const USAGE = 'Usage: npm run catalog:import -- FILE\n  FILE: a catalog in YAML or JSON (see data/sample-catalog.yaml)\n';

function summaryText(file: string, database: string, summary: ImportSummary): string {
  const lines = [`Imported ${file} into ${database}${summary.sample ? ' (marked as sample data)' : ''}:`];
  for (const kind of CATALOG_KINDS) {
    const removed = summary.removed[kind] > 0 ? `, ${summary.removed[kind]} removed` : '';
    lines.push(`  ${kind.padEnd(15)} ${String(summary.counts[kind]).padStart(5)}${removed}`);
  }
  if (summary.kept.length > 0) lines.push(`Kept, though not in the file, because other records still refer to them: ${summary.kept.join(', ')}`);
  return `${lines.join('\n')}\n`;
}

async function run(args: string[]): Promise<number> {
  if (args.length !== 1 || args[0].startsWith('-')) {
    process.stderr.write(USAGE);
    return 2;
  }
  const [file] = args;
  const config = loadConfig();
  // Checked before the database is opened, so a bad file never waits on (or touches) it.
  const catalog = parseCatalog(await readFile(file, 'utf8'), file);
  const db = await openDatabase(config, 2);
  try {
    await migrate(db);
    const summary = await importCatalog(db, catalog);
    process.stdout.write(summaryText(file, describeDatabase(config), summary));
    return 0;
  } finally {
    await db.close();
  }
}

/** Errors an operator can act on are printed as they are; anything else by its message, without a stack trace. */
function report(error: unknown): number {
  if (error instanceof CatalogError) {
    process.stderr.write(`${error.problems.length} problem${error.problems.length === 1 ? '' : 's'} in the catalog; nothing was imported:\n${error.message}\n`);
  } else if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Catalog import failed: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  return 1;
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = report(error);
  },
);
