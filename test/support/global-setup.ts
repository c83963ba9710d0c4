import net from 'node:net';

/**
 * Finds out once, before any test file runs, whether the real PostgreSQL and Redis are
 * reachable, and tells the test files through environment variables (workers inherit them).
 * With REQUIRE_REAL_SERVICES=1 (as in CI) an unreachable one fails the whole run; on a laptop
 * without them, the tests that need them are simply not generated and a line says so.
 */
const reachable = (url: string, defaultPort: number) =>
  new Promise<boolean>((resolve) => {
    const { hostname, port } = new URL(url);
    const socket = net.connect({ host: hostname, port: Number(port || defaultPort) });
    socket.setTimeout(1000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });

export default async function globalSetup(): Promise<void> {
  const postgres = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const redis = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/15';
  const required = process.env.REQUIRE_REAL_SERVICES === '1';
  const missing: string[] = [];
  if (await reachable(postgres, 5432)) process.env.LINGKOD_TEST_POSTGRES = postgres;
  else missing.push(`PostgreSQL at ${postgres}`);
  if (await reachable(redis, 6379)) process.env.LINGKOD_TEST_REDIS = redis;
  else missing.push(`Redis at ${redis}`);
  if (missing.length === 0) return;
  const message = `Not reachable: ${missing.join(', ')}.`;
  if (required) throw new Error(`${message} REQUIRE_REAL_SERVICES=1, so the run stops here.`);
  process.stdout.write(`\n${message} Tests against it are left out of this run (CI requires them).\n`);
}
