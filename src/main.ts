import type { Server } from 'node:http';
import { ConfigError, loadConfig } from './config';
import { createContext } from './context';
import { createApp } from './http/app';

/** Starts Lingkod from the environment; stops cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const context = await createContext(config);
  const app = createApp(context);
  const server: Server = app.listen(config.PORT);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  context.dispatcher.start();
  context.retention.start();
  for (const channel of context.channels) channel.start?.();
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const base = `http://localhost:${port}`;
  const simulator = config.SIMULATOR === 'on';
  context.log.info(
    { records: context.db.engine, ephemeral: context.store.engine },
    `Lingkod is listening on ${base} (${simulator ? `phone simulator: ${base}/simulator, ` : ''}console: ${base}/console, USSD: POST ${base}/ussd/africastalking with the token parameter set to USSD_TOKEN, health: ${base}/healthz)`,
  );
  // For a person at a terminal, a plain line besides the JSON log: where to start.
  if (process.stdout.isTTY) {
    const tryIt = simulator ? `  Try Lingkod on a simulated phone: ${base}/simulator\n` : '';
    process.stdout.write(`\n${tryIt}  Ministries' console (sign in with an API key): ${base}/console\n\n`);
  }

  const stop = async (signal: string) => {
    context.log.info({ signal }, 'stopping');
    server.close();
    await context.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Lingkod could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
