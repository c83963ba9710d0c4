import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Database } from '../../src/store/sql';
import { switchableDatabase, type LogCapture } from '../support/app';
import { recordFigure, scanLogs } from '../support/figures';
import { databaseBackends } from '../support/stores';
import { findKannel, readmeKannelConf, startKannelAndLingkod, textsTo, type KannelAndLingkod, type KannelRun, type Processes } from '../channels/kannel/kannel-boxes';

/**
 * A real Kannel (bearerbox, smsbox and fakesmsc, with the README's kannel.conf) delivering a
 * text while Lingkod's records store is away. Lingkod answers 503; smsbox asks again
 * (`http-request-retry`, `http-queue-delay` apart: 30 s in the README, 1 s here); once the
 * store is back, the text is handled once and answered once. Without the retry settings Kannel
 * drops a text that got a 503.
 */
const kannel = findKannel();
const required = process.env.REQUIRE_REAL_SERVICES === '1';
const runs = kannel.programs || required ? [{ name: 'Debian Kannel 1.4', programs: kannel.programs }] : [];
if (runs.length === 0) process.stdout.write(`\nKannel is not installed: the Kannel outage test is left out of this run (CI requires it).\n`);

const FROM = '+639171110077';

describe.each(runs)('a text through $name while the records store is away', ({ programs }) => {
  let db: Database & { down: boolean };
  let boxes: KannelAndLingkod;
  let dir: string;
  let run: KannelRun;
  let logs: LogCapture;
  let processes: Processes;
  let answered: KannelAndLingkod['answered'];

  beforeAll(async () => {
    if (!programs) throw new Error(`Kannel is not installed (${kannel.missing.join(', ')} missing)`);
    db = switchableDatabase(await databaseBackends()[0].open());
    const readme = readmeKannelConf();
    expect(readme).toMatch(/^http-request-retry = 10\nhttp-queue-delay = 30$/m);
    boxes = await startKannelAndLingkod(programs, db, {
      name: 'kannel-outage',
      token: 'kannel-outage-token-0123456789',
      password: 'sendsms-outage-secret',
      from: '2600',
      conf: (conf) => conf.replace(/^http-queue-delay = 30$/m, 'http-queue-delay = 1'),
    });
    ({ dir, run, logs, processes, answered } = boxes);
  });
  afterAll(async () => {
    await boxes?.stop();
  });

  const until = async (done: () => boolean | Promise<boolean>, what: string) => {
    for (let attempt = 0; attempt < 300; attempt++) {
      if (await done()) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`gave up waiting: ${what}`);
  };

  it('is answered 503 while the store is away, sent again by smsbox, and handled and answered once when it is back', async () => {
    const log = path.join(dir, 'fakesmsc.out');
    const inbound = () => answered.filter((each) => each.path === '/sms/kannel');
    db.down = true;
    const fakesmsc = processes.start(programs!.fakesmsc, ['-H', '127.0.0.1', '-r', String(run.smscPort), '-i', '0', '-m', '1', `${FROM} 2600 text MENU`], log);
    try {
      await until(() => inbound().length >= 2, 'two refused deliveries');
      db.down = false;
      await until(() => textsTo(readFileSync(log, 'utf8'), FROM, 'utf-8').length > 0, 'the reply at fakesmsc');
      // Give smsbox the time of one more retry: none must come.
      await new Promise((resolve) => setTimeout(resolve, 1500));
    } finally {
      db.down = false;
      await processes.stop(fakesmsc);
    }
    const statuses = inbound().map((each) => each.status);
    expect(statuses.filter((status) => status === 503).length).toBeGreaterThanOrEqual(2);
    expect(statuses.filter((status) => status === 200)).toEqual([200]);
    expect(statuses.at(-1)).toBe(200);
    const [{ ids }] = await db.query<{ ids: string }>("SELECT count(*) AS ids FROM inbound_messages WHERE channel = 'kannel'");
    const replies = await db.query<{ body: string }>("SELECT body FROM outbox WHERE channel = 'kannel' AND address = $1", [`tel:${FROM}`]);
    expect(Number(ids)).toBe(1);
    expect(replies).toHaveLength(1);
    const received = textsTo(readFileSync(log, 'utf8'), FROM, 'utf-8');
    expect(received.map((each) => each.text)).toEqual([replies[0].body]);
    recordFigure(2, 'real Kannel: a text while the store was away', `answered ${statuses.join(', ')}; smsbox retried; handled once, 1 reply at the phone`);
  });

  it('writes no phone number, token or message body to its logs', () => {
    expect(scanLogs('kannel-outage', logs.lines, { phones: [FROM], secrets: [run.token, run.password] })).toEqual([]);
  });
});
