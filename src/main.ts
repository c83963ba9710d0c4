import { createServer, type Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config';
import { createContext, type AppContext, type ContextOverrides } from './context';
import { createApp } from './http/app';
import { createMetricsApp, METRICS_OFF_NOTICE, metricsExposure } from './http/metrics';
import { LINK_MINUTES } from './services/first-start';
import { loadPurposes, PurposesError } from './services/purposes';

/** A started Lingkod: its listeners, what they are made of, and how to stop them all. */
export interface RunningLingkod {
  context: AppContext;
  /** The main listener, on HOST:PORT. */
  server: Server;
  /** The /metrics listener on 127.0.0.1:METRICS_PORT, while METRICS_PORT is set. */
  metricsServer?: Server;
  /** Closes the listeners (requests in flight finish), then the context. */
  stop(): Promise<void>;
}

/** Listens and resolves once listening, or rejects (a port in use, an address not on this machine). */
async function listen(server: Server, port: number, host?: string): Promise<Server> {
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
    server.listen(port, host);
  });
  return server;
}

/** Stops accepting, lets requests in flight finish, and closes idle keep-alive connections. */
async function close(server: Server): Promise<void> {
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** Listens on HOST:PORT and, with METRICS_PORT, on 127.0.0.1:METRICS_PORT; closes the context if either fails. */
async function listenAll(context: AppContext): Promise<RunningLingkod> {
  const { config } = context;
  const servers: Server[] = [];
  const stop = async () => {
    await Promise.all(servers.map(close));
    await context.close();
  };
  try {
    const server = await listen(createServer(createApp(context)), config.PORT, config.HOST);
    servers.push(server);
    // Loopback only: for a scraper on this machine, never on the interfaces of the main port.
    const metricsServer = config.METRICS_PORT === undefined ? undefined : await listen(createServer(createMetricsApp(context.metrics, config.METRICS_TOKEN)), config.METRICS_PORT, '127.0.0.1');
    if (metricsServer) servers.push(metricsServer);
    return { context, server, metricsServer, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Starts Lingkod with this configuration: builds the context, listens on HOST:PORT (all
 * interfaces when HOST is unset) and on 127.0.0.1:METRICS_PORT when set, starts the outbox,
 * the retention job and the channels, and says where everything is and, in production, what
 * is off and how to turn it on.
 */
export async function start(config: Config, overrides: ContextOverrides = {}): Promise<RunningLingkod> {
  const context = await createContext(config, overrides);
  const running = await listenAll(context);
  const { server } = running;
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
  // Production turns conveniences off; say once which, and how to turn each on.
  if (config.production && !simulator) context.log.info('phone simulator is off in production: set SIMULATOR=on to serve it at /simulator (a training instance)');
  if (metricsExposure(config) === 'off') context.log.info(METRICS_OFF_NOTICE);
  // No key yet: a one-time way into the console, printed once (src/services/first-start.ts).
  const offer = await context.admin.firstStart.offer();
  const firstStartLink = offer ? `${base}/console/first-start/${offer.token}` : undefined;
  if (offer) {
    context.log.info(
      { expiresAt: offer.expiresAt.toISOString() },
      `First start: no API key exists yet. To make the first super-admin key and sign in, open ${firstStartLink} within ${LINK_MINUTES} minutes (it works once)`,
    );
  }
  // Plain lines besides the JSON log, for a person: where to start. On stdout at a terminal; on
  // stderr otherwise (Docker, CI, a pipe), where the JSON log on stdout is read by machines.
  const banner = startBanner(base, simulator, firstStartLink === undefined ? undefined : { link: firstStartLink, minutes: LINK_MINUTES });
  if (process.stdout.isTTY) process.stdout.write(banner);
  else process.stderr.write(banner);
  return running;
}

/** The plain start-up lines: where the simulator, the console, the front page and health are, and a first start's link. */
export function startBanner(base: string, simulator: boolean, firstStart?: { link: string; minutes: number }): string {
  const lines = [
    `Lingkod is running: ${base}/`,
    ...(simulator ? [`  Try Lingkod on a simulated phone: ${base}/simulator`] : []),
    `  Ministries' console (sign in with an API key): ${base}/console`,
    `  Health: ${base}/healthz   API document: ${base}/api/v1/openapi.json`,
    ...(firstStart ? [`  First start, no API key yet: open ${firstStart.link} within ${firstStart.minutes} minutes to make the first super-admin key (the link works once).`] : []),
  ];
  return `\n${lines.join('\n')}\n\n`;
}

/** Starts Lingkod from the environment; stops cleanly on SIGINT/SIGTERM. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
    loadPurposes(config.PURPOSES_FILE);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof PurposesError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const running = await start(config);
  const stop = async (signal: string) => {
    running.context.log.info({ signal }, 'stopping');
    await running.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop('SIGINT'));
  process.once('SIGTERM', () => void stop('SIGTERM'));
}

// Run when started as a program (node dist/src/main.js), not when a test imports start().
if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`Lingkod could not start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
