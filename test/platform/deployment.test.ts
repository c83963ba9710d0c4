import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ConfigError, loadConfig } from '../../src/config';
import { metricsExposure } from '../../src/http/metrics';

/**
 * compose.yaml and the Dockerfile are read as Docker would read them (docker itself is not run
 * here): the container is a deployment, so a careless operator must get production's defaults.
 */
const ROOT = path.resolve(__dirname, '../..');

interface Service {
  ports?: string[];
  environment?: Record<string, string>;
}
const compose = parse(readFileSync(path.join(ROOT, 'compose.yaml'), 'utf8')) as { services: Record<string, Service> };
const lingkod = compose.services.lingkod;

/** Compose's interpolation of `${VAR}`, `${VAR:-default}` and `${VAR:?message}` from a .env file. */
function interpolate(value: string, dotenv: Record<string, string>): string {
  return value.replace(/\$\{([A-Z_][A-Z0-9_]*)(?::([-?])([^}]*))?\}/g, (_reference, name: string, kind?: string, operand?: string) => {
    const set = dotenv[name];
    if (set !== undefined && set !== '') return set;
    if (kind === '?') throw new Error(`compose refuses to start: ${operand}`);
    return kind === '-' ? (operand ?? '') : '';
  });
}

/** Lingkod's environment in the container, as compose makes it from this .env. */
function containerEnvironment(dotenv: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(lingkod.environment ?? {}).map(([name, value]) => [name, interpolate(String(value), dotenv)]));
}

const POSTGRES_PASSWORD = 'c2f1d0e9b8a7968574635241f0e1d2c3b4a59687';

describe('compose.yaml', () => {
  it('runs Lingkod in production mode: with a .env of only POSTGRES_PASSWORD, the simulator and /metrics are off', () => {
    expect(lingkod.environment?.NODE_ENV).toBe('production');
    const config = loadConfig(containerEnvironment({ POSTGRES_PASSWORD }));
    expect(config.production).toBe(true);
    expect(config.SIMULATOR).toBe('off');
    expect(metricsExposure(config)).toBe('off');
    expect(config.HOST).toBe('0.0.0.0');
    expect(config.DATABASE_URL).toBe(`postgres://lingkod:${POSTGRES_PASSWORD}@postgres:5432/lingkod`);
  });

  it('stops (before Lingkod starts) when POSTGRES_PASSWORD is not set', () => {
    expect(() => containerEnvironment({})).toThrow(/compose refuses to start: set POSTGRES_PASSWORD/);
  });

  it('writes no secret of its own: every secret-named setting comes from the .env, with no default', () => {
    const secretNamed = /KEY|TOKEN|PASSWORD|SECRET|SID/;
    /** `${VAR}`, `${VAR:-}` (empty when unset) or `${VAR:?message}` (required). */
    const reference = /^\$\{[A-Z_]+(:-|:\?[^}]*)?\}$/;
    const literals = Object.entries(compose.services).flatMap(([name, service]) =>
      Object.entries(service.environment ?? {})
        .filter(([variable, value]) => secretNamed.test(variable) && !reference.test(String(value)))
        .map(([variable]) => `${name}.${variable}`),
    );
    expect(literals).toEqual([]);
    // The password inside DATABASE_URL is a reference too, not a literal.
    expect(lingkod.environment?.DATABASE_URL).toMatch(/^postgres:\/\/lingkod:\$\{POSTGRES_PASSWORD:\?[^}]+\}@/);
  });

  it('refuses, through production mode, a weak ADMIN_API_KEY or an http:// PUBLIC_URL put in the .env', () => {
    expect(() => loadConfig(containerEnvironment({ POSTGRES_PASSWORD, ADMIN_API_KEY: 'aaaaaaaaaaaaaaaa' }))).toThrow(ConfigError);
    expect(() => loadConfig(containerEnvironment({ POSTGRES_PASSWORD, PUBLIC_URL: 'http://lingkod.example.gov.ph' }))).toThrow(/^PUBLIC_URL: /m);
    expect(() => loadConfig(containerEnvironment({ POSTGRES_PASSWORD, TELEGRAM_BOT_TOKEN: '123456:ABC-DEF', TELEGRAM_WEBHOOK_SECRET: 'secret' }))).toThrow(/^PUBLIC_URL: in production it is required/m);
  });

  it('publishes Lingkod on the host\'s loopback only, and PostgreSQL and Redis not at all', () => {
    expect(lingkod.ports).toEqual(['127.0.0.1:3000:3000']);
    expect(compose.services.postgres.ports).toBeUndefined();
    expect(compose.services.redis.ports).toBeUndefined();
  });

  it('believes X-Forwarded-For only from private addresses (the host\'s proxy through Docker\'s bridge)', () => {
    expect(loadConfig(containerEnvironment({ POSTGRES_PASSWORD })).TRUST_PROXY).toEqual(['loopback', 'uniquelocal']);
  });
});

describe('the Dockerfile', () => {
  const dockerfile = readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  /** The ENV settings of the runtime stage (the last FROM). */
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env = Object.fromEntries(
    [...runtime.matchAll(/^ENV (.+)$/gm)].flatMap((line) => line[1].split(/\s+/).map((pair) => pair.split('=') as [string, string])),
  );

  it('sets production mode, and listens on every interface of the container', () => {
    expect(env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0' });
  });

  it('turns nothing unsafe on and bakes in no secret', () => {
    expect(env.SIMULATOR).toBeUndefined();
    expect(Object.keys(env).filter((name) => /KEY|TOKEN|PASSWORD|SECRET|METRICS/.test(name))).toEqual([]);
  });
});
