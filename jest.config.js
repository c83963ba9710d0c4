const { existsSync } = require('node:fs');

// The browser tests (test/web) drive Debian's Chromium. Like a missing PostgreSQL or Redis, a
// missing Chromium leaves them out of a laptop's run, and says so; with REQUIRE_REAL_SERVICES=1
// (CI, where .ci/run installs it) they always run, and fail without it.
const chromium = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const withoutBrowser = !existsSync(chromium) && process.env.REQUIRE_REAL_SERVICES !== '1';
if (withoutBrowser) process.stdout.write(`Chromium is not at ${chromium}: the browser tests (test/web) are left out of this run (CI requires them).\n`);

/** Tests run TypeScript through ts-jest without type-checking (npm test runs tsc first). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test', '<rootDir>/src'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', ...(withoutBrowser ? ['<rootDir>/test/web/'] : [])],
  transform: { '^.+\\.ts$': 'ts-jest' },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['<rootDir>/test/support/setup-env.ts'],
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/support/closing-line-reporter.js'],
  collectCoverageFrom: ['src/**/*.ts', '!src/**/*.test.ts'],
};
