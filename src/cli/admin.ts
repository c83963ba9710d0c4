import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { GrammyError, HttpError } from 'grammy';
import { BotSetupError, setUpTelegramBot } from '../channels/telegram/setup';
import { ConfigError, loadConfig, type Config } from '../config';
import { createI18n } from '../i18n';
import { CLI_ACTOR, ConflictError, ForbiddenError, InvalidError, NotFoundError } from '../services/access';
import { ApiKeyService } from '../services/api-keys';
import { packMarkdown, privacyPack } from '../services/privacy-pack';
import { loadPurposes, PurposeRegistry, PurposesError } from '../services/purposes';
import { configuredSmsProviders } from '../channels/sms';
import { DatabaseInUseError } from '../store/data-dir-lock';
import { migrate } from '../store/migrate';
import { openDatabase } from '../store/open';
import type { Database } from '../store/sql';

/**
 * `npm run admin -- COMMAND`: API keys from the server's shell, for the first key of a
 * ministry (before anyone holds one) and for emergencies, and the Telegram bot's registration.
 * Every change to keys goes to the audit log as `cli`.
 */

const USAGE = `Usage: npm run admin -- COMMAND
  create-key --ministry CODE --holder PERSON [--role admin|officer|privacy] [--name NAME]
                                             prints a new key for the ministry (shown once);
                                             an admin key makes and revokes the ministry's keys
  create-key --super-admin --holder PERSON [--name NAME]
                                             prints a new super-admin key (shown once)
  list-keys [--ministry CODE]                lists live keys (never the keys themselves)
  revoke-key ID                              revokes a key at once
  telegram-setup                             registers the bot with Telegram: the webhook at
                                             PUBLIC_URL (webhook mode) and the command menu
  privacy-pack [--out DIR]                   writes privacy-pack.md and privacy-pack.json (the NPC
                                             registration and PIA facts) from this configuration
`;

/** Where the command writes: the key and listings to `out`, problems to `err`. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** Runs one admin command against `db`; returns the process exit code (0 done, 1 refused, 2 usage). */
export async function runAdmin(args: string[], db: Database, output: Output): Promise<number> {
  const [command, ...rest] = args;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: { ministry: { type: 'string' }, name: { type: 'string' }, holder: { type: 'string' }, role: { type: 'string' }, 'super-admin': { type: 'boolean' } },
    });
  } catch (error) {
    output.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const keys = new ApiKeyService(db);
  try {
    const role = values.role;
    if (
      command === 'create-key' &&
      positionals.length === 0 &&
      (values.ministry !== undefined) !== (values['super-admin'] === true) &&
      values.holder !== undefined &&
      (role === undefined || ((role === 'admin' || role === 'officer' || role === 'privacy') && values.ministry !== undefined))
    ) {
      const ministryCode = values.ministry ?? null;
      const name = values.name ?? (ministryCode ? `${ministryCode} key (admin command)` : 'super-admin key (admin command)');
      const { key, record } = await keys.create(CLI_ACTOR, { ministryCode, name, holder: values.holder, role }, 'cli');
      output.out(`${key}\n`);
      output.err(
        `Created API key ${record.id} (${ministryCode ? `ministry ${ministryCode}, ${record.role}` : 'super-admin'}) for ${record.holder}. It is shown only this once: keep it somewhere safe.\n`,
      );
      return 0;
    }
    if (command === 'list-keys' && positionals.length === 0 && values['super-admin'] === undefined && values.name === undefined && values.holder === undefined && role === undefined) {
      for (const record of await keys.list(CLI_ACTOR, { ministry: values.ministry })) {
        output.out(
          `${record.id}\t${record.ministryCode ?? '(super-admin)'}\t${record.role}\t${record.prefix}…\t${record.source}\t${record.createdAt.toISOString()}\t${record.name}\t${record.holder}\n`,
        );
      }
      return 0;
    }
    if (command === 'revoke-key' && positionals.length === 1 && /^\d+$/.test(positionals[0])) {
      const record = await keys.revoke(CLI_ACTOR, Number(positionals[0]));
      output.err(`Revoked API key ${record.id} (${record.name}).\n`);
      return 0;
    }
  } catch (error) {
    if (error instanceof InvalidError || error instanceof NotFoundError || error instanceof ConflictError || error instanceof ForbiddenError) {
      output.err(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  output.err(USAGE);
  return 2;
}

/** `telegram-setup`: tells Telegram where the webhook is and which commands the bot has. Needs no database. */
export async function runTelegramSetup(config: Config, output: Output): Promise<number> {
  try {
    for (const line of await setUpTelegramBot(config, createI18n(config.DEFAULT_LOCALE))) output.out(`${line}\n`);
    return 0;
  } catch (error) {
    if (error instanceof BotSetupError) output.err(`${error.message}\n`);
    else if (error instanceof GrammyError) output.err(`Telegram refused ${error.method}: ${error.description}\n`);
    else if (error instanceof HttpError) output.err(`Telegram could not be reached (${error.message}); check TELEGRAM_API_ROOT and the network.\n`);
    else throw error;
    return 1;
  }
}

/**
 * `privacy-pack`: the registration pack (services/privacy-pack.ts) of this configuration, with
 * the processors it turns on, written to `outDir`. Needs no database.
 */
export function runPrivacyPack(config: Config, outDir: string, output: Output, now = new Date()): number {
  let purposes;
  try {
    purposes = new PurposeRegistry(loadPurposes(config.PURPOSES_FILE), () => ({
      sms: configuredSmsProviders(config),
      ussd: config.USSD_TOKEN || config.USSD_ALLOWED_IPS ? ['ussd'] : [],
      telegram: config.TELEGRAM_BOT_TOKEN ? ['telegram'] : [],
    }));
  } catch (error) {
    if (!(error instanceof PurposesError)) throw error;
    output.err(`${error.message}\n`);
    return 1;
  }
  const pack = privacyPack(config, purposes, now);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'privacy-pack.json'), `${JSON.stringify(pack, null, 2)}\n`);
  writeFileSync(path.join(outDir, 'privacy-pack.md'), packMarkdown(pack));
  output.err(`Wrote privacy-pack.md and privacy-pack.json to ${outDir}: ${pack.purposes.length} purposes, ${pack.dataFields.length} data fields.\n`);
  return 0;
}

/**
 * Why the command refused to open the embedded database, and what to do instead. Two processes
 * on one PGlite directory lose each other's writes, so nothing was opened or written.
 */
export function inUseMessage(error: DatabaseInUseError): string {
  return `Refused: ${error.message}.
Nothing was written. A key made here while the server runs would be lost or overwrite another.
Either:
  - stop the server (Ctrl-C in its terminal, or kill ${error.holder.pid}), run this command again, then start the server;
  - or, with the server running, make keys without this command: with an admin key through the API
    (POST /api/v1/keys, see /api/v1/openapi.json), or, when no key exists yet, with the one-time
    sign-in link the server printed when it started (restart it for a new one);
  - or use PostgreSQL (DATABASE_URL): then this command and the server can run at the same time.
If no Lingkod process is running with this DATA_DIR (say, it ran on another machine), delete ${error.lockFile}.
`;
}

async function main(): Promise<number> {
  const config = loadConfig();
  const output: Output = { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) };
  if (process.argv[2] === 'telegram-setup' && process.argv.length === 3) return runTelegramSetup(config, output);
  if (process.argv[2] === 'privacy-pack') {
    const { values } = parseArgs({ args: process.argv.slice(3), options: { out: { type: 'string', default: '.' } } });
    return runPrivacyPack(config, values.out ?? '.', output);
  }
  let db: Database;
  try {
    db = await openDatabase(config, 2);
  } catch (error) {
    if (!(error instanceof DatabaseInUseError)) throw error;
    output.err(inUseMessage(error));
    return 1;
  }
  try {
    await migrate(db);
    return await runAdmin(process.argv.slice(2), db, output);
  } finally {
    await db.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(error instanceof ConfigError ? `${error.message}\n` : `Admin command failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
