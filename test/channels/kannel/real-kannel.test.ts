import { readFileSync } from 'node:fs';
import path from 'node:path';
import { smsSize } from '../../../src/text/segments';
import type { Database } from '../../../src/store/sql';
import { databaseBackends } from '../../support/stores';
import {
  findKannel,
  readmeKannelConf,
  startKannelAndLingkod,
  testKannelConf,
  textsTo,
  ucs2Argument,
  type KannelAndLingkod,
  type KannelPrograms,
  type KannelRun,
  type Processes,
} from './kannel-boxes';

/**
 * Lingkod and a real Kannel: bearerbox and smsbox run with the README's kannel.conf, and
 * fakesmsc plays the operator's SMSC. A text from fakesmsc goes bearerbox → smsbox → get-url →
 * Lingkod, whose reply goes outbox → sendsms → bearerbox → back to fakesmsc, and the SMSC's
 * delivery report comes back to /sms/kannel/dlr. Kannel comes from Debian (`apt-get install
 * kannel kannel-extras`, which .ci/run does); without it this file says so, and CI
 * (REQUIRE_REAL_SERVICES=1) fails.
 */
const kannel = findKannel();
const required = process.env.REQUIRE_REAL_SERVICES === '1';
if (!kannel.programs && !required) {
  process.stdout.write(`\nKannel is not installed (${kannel.missing.join(', ')} missing): the real-Kannel round trip is left out of this run (CI requires it).\n`);
}
const runs: { name: string; programs?: KannelPrograms }[] = kannel.programs || required ? [{ name: 'Debian Kannel 1.4', programs: kannel.programs }] : [];

const SHORT_CODE = '2600';

describe('the kannel.conf in the README', () => {
  it('has the sms-service, sendsms-user and boxes the Kannel round trip runs, with max-messages = 0', () => {
    const conf = readmeKannelConf();
    expect(conf).toMatch(/^group = sms-service\nkeyword = default\nget-url = "http:\/\/lingkod\.internal:3000\/sms\/kannel\?token=CHANGE-ME-token&from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I"\nmax-messages = 0\n/m);
    expect(conf).toMatch(/^group = sendsms-user\n/m);
    const run: KannelRun = { dir: '/tmp/x', adminPort: 1, boxPort: 2, sendsmsPort: 3, smscPort: 4, lingkodBase: 'http://127.0.0.1:5', token: 't', password: 'p' };
    expect(testKannelConf(conf, run)).toContain('get-url = "http://127.0.0.1:5/sms/kannel?token=t&');
  });
});

describe.each(runs)('a text through $name', ({ programs }) => {
  let db: Database;
  let boxes: KannelAndLingkod;
  let dir: string;
  let run: KannelRun;
  let processes: Processes;
  /** Every request Kannel made to Lingkod, with Lingkod's answer. */
  let answered: KannelAndLingkod['answered'];

  beforeAll(async () => {
    if (!programs) throw new Error(`Kannel is not installed (${kannel.missing.join(', ')} missing); install kannel and kannel-extras`);
    db = await databaseBackends()[0].open();
    boxes = await startKannelAndLingkod(programs, db, { name: 'kannel', token: 'kannel-round-trip-token', password: 'sendsms-round-trip', from: SHORT_CODE });
    ({ dir, run, processes, answered } = boxes);
  });

  afterAll(async () => {
    await boxes?.stop();
  });

  /** Kannel's and fakesmsc's logs, for a failure message. */
  const logsOf = (...files: string[]) => files.map((file) => `--- ${file}\n${readText(path.join(dir, file)).split('\n').slice(-40).join('\n')}`).join('\n');

  /**
   * Texts `message` (a fakesmsc message: "from to type data") and waits until the whole reply
   * for `from` is back at fakesmsc; returns it, the parts it came in, and the outbox row.
   */
  async function textAndWait(from: string, message: string, encoding: 'utf-8' | 'utf-16be', label: string) {
    const log = path.join(dir, `fakesmsc-${label}.out`);
    const fakesmsc = processes.start(programs!.fakesmsc, ['-H', '127.0.0.1', '-r', String(run.smscPort), '-i', '0', '-m', '1', message], log);
    try {
      for (let attempt = 0; attempt < 200; attempt++) {
        const [received] = textsTo(readText(log), from, encoding);
        if (received) {
          const [row] = await db.query<{ id: string; body: string; status: string }>(
            `SELECT id, body, status FROM outbox WHERE channel = 'kannel' AND address = $1 ORDER BY id DESC LIMIT 1`,
            [`tel:${from.replace(/^0/, '+63')}`],
          );
          return { ...received, row };
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      throw new Error(`no reply reached fakesmsc\n${logsOf(`fakesmsc-${label}.out`, 'bearerbox.log', 'smsbox.log')}`);
    } finally {
      await processes.stop(fakesmsc);
    }
  }

  /** Waits until the outbox row has `status` (the SMSC's delivery report came back). */
  async function statusBecomes(id: string, status: string): Promise<string> {
    let current = '';
    for (let attempt = 0; attempt < 100; attempt++) {
      [{ status: current }] = await db.query<{ status: string }>('SELECT status FROM outbox WHERE id = $1', [id]);
      if (current === status) return current;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return current;
  }

  it('answers an English text with the main menu in GSM-7, and records the delivery report', async () => {
    const reply = await textAndWait('+639171110001', `+639171110001 ${SHORT_CODE} text MENU`, 'utf-8', 'en');
    expect(reply.text).toMatch(/^Lingkod - government services\n1 Services\n[\s\S]*\nReply with a number\.$/);
    expect(reply.text).toBe(reply.row.body);
    expect(smsSize(reply.text)).toMatchObject({ encoding: 'gsm7', segments: reply.parts });
    expect(await statusBecomes(reply.row.id, 'delivered')).toBe('delivered');
  });

  it('answers a Bangla text (UCS-2) with the Bangla main menu, in UCS-2 parts joined by the phone', async () => {
    const reply = await textAndWait('+8801711110002', `+8801711110002 ${SHORT_CODE} ucs2 ${ucs2Argument('ভাষা বাংলা')}`, 'utf-16be', 'bn');
    expect(reply.text).toMatch(/একটি নম্বর লিখে উত্তর দিন।$/);
    expect(reply.text).toBe(reply.row.body);
    const size = smsSize(reply.text);
    expect(size.encoding).toBe('ucs2');
    // Kannel split the reply into exactly as many parts as Lingkod counted.
    expect(reply.parts).toBe(size.segments);
    expect(reply.parts).toBeGreaterThan(1);
    expect(await statusBecomes(reply.row.id, 'delivered')).toBe('delivered');
  });

  it('answered every get-url and dlr-url request of Kannel with 200', () => {
    const paths = new Set(answered.map((each) => each.path));
    expect([...paths].sort()).toEqual(['/sms/kannel', '/sms/kannel/dlr']);
    expect(answered.filter((each) => each.status !== 200)).toEqual([]);
  });
});

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
