import nock from 'nock';

/**
 * Uninstalls nock's hook on Node's http module when the calling test file is done. Every test
 * file loads a nock of its own, but Node's http module is shared by the files a worker runs: a
 * stale hook left under the next file's made a send that should fail at once hang for the
 * Twilio client's 30 s time-out. Call it at the top level of a file that uses nock.
 */
export function uninstallNockAfterThisFile(): void {
  afterAll(() => {
    nock.cleanAll();
    nock.restore();
  });
}
