const { existsSync } = require('node:fs');

// The browser tests (test/web) drive Debian's Chromium. Like a missing PostgreSQL or Redis, a
// missing Chromium leaves them out of a laptop's run, and says so; with REQUIRE_REAL_SERVICES=1
// (CI, where .ci/run installs it) they always run, and fail without it.
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const withoutBrowser = !existsSync(chromium) && process.env.REQUIRE_REAL_SERVICES !== '1';
if (withoutBrowser) process.stdout.write(`Chromium is not at ${chromium}: the browser tests (test/web) are left out of this run (CI requires them).\n`);

/**
 * Fault tests that bound a time (a hop while Redis or PostgreSQL is killed, a dispatcher killed
 * mid-send, smsbox resending through an outage, two instances racing): `npm test` runs them
 * after the rest, alone, with LINGKOD_TEST_SET=timed.
 */
const TIMED = ['redis-killed', 'postgres-down', 'dispatcher-kills', 'kannel-outage', 'two-instances'].map((name) => `<rootDir>/test/faults/${name}.test.ts`);
const timed = process.env.LINGKOD_TEST_SET === 'timed';

/** Tests run TypeScript through ts-jest without type-checking (npm test runs tsc first). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: timed ? TIMED : ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(withoutBrowser ? ['<rootDir>/test/web/'] : []), ...(timed ? [] : TIMED)],
  transform: { '^.+\\.ts$': 'ts-jest' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  testTimeout: 60000,
  // Two workers on two cores, each replaced once it has grown past 1 GB (PGlite databases and
  // their WASM memory): in one process the files slow each other down as it grows. The timed
  // fault tests run afterwards on their own (LINGKOD_TEST_SET=timed, one worker), since they
  // measure how fast Lingkod answers while a store is killed and must not share the cores.
  maxWorkers: timed ? 1 : 2,
  workerIdleMemoryLimit: '1GB',
  reporters: ['default', '<rootDir>/test/support/closing-line-reporter.js'],
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.test.ts'],
};
