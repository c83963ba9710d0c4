import type { AppContext } from '../../src/context';
import { RedisEphemeralStore } from '../../src/store/redis-ephemeral';
import type { Database } from '../../src/store/sql';
import { USSD_PATH, startLingkod } from '../support/app';
import { recordFigure } from '../support/figures';
import { OwnRedis, hasRedisServer } from '../support/own-redis';
import { postForm, serve, type Served } from '../support/served';
import { databaseBackends } from '../support/stores';

/**
 * Redis killed while 200 callers are in the middle of USSD sessions: every hop is still
 * answered (CON, or a polite END) without a 5xx, and once Redis is back, new sessions work
 * again without restarting Lingkod. Figures are printed for the reliability table.
 */
const runs = hasRedisServer() || process.env.REQUIRE_REAL_SERVICES === '1' ? [{ name: 'own redis-server' }] : [];

describe.each(runs)('USSD while Redis is killed ($name)', () => {
  let redis: OwnRedis;
  let db: Database;
  let context: AppContext;
  // One listening server with kept-alive connections, as a gateway talks to us: supertest's
  // server per request would add its own start-up to every hop's time.
  let served: Served;

  beforeAll(async () => {
    redis = await OwnRedis.start();
    // Records on PostgreSQL where it runs, as a deployment with Redis has them: PGlite's one
    // connection would make the 200 callers' first hops queue on it, and this test is about Redis.
    db = await databaseBackends().at(-1)!.open();
    const lingkod = await startLingkod(db, {}, { store: new RedisEphemeralStore(redis.url) });
    context = lingkod.context;
    served = await serve(lingkod.app);
  });
  afterAll(async () => {
    await served.close();
    await context.close();
    await redis.kill();
  });

  async function hop(caller: number, session: string, text: string): Promise<{ status: number; body: string; ms: number }> {
    const answer = await postForm(`${served.base}${USSD_PATH}`, { sessionId: session, phoneNumber: `+6391780${String(caller).padStart(5, '0')}`, text });
    return { status: answer.status, body: answer.text, ms: answer.ms };
  }

  it('answers every hop of 200 sessions while Redis is down, and serves new sessions once it is back', async () => {
    const answers: { status: number; body: string; ms: number }[] = [];
    const answered = new Set<number>();
    let stop = false;

    async function caller(id: number): Promise<void> {
      for (let round = 0; !stop; round++) {
        const session = `fault-${id}-${round}`;
        const history: string[] = [];
        for (const input of ['', '1', '1', '1', '0', '2']) {
          // A caller reads each screen before pressing a key (a fifth of a second here, far
          // quicker than people): without it the 200 callers, which share this process with the
          // server, would measure their own queue rather than Lingkod's answer to the outage.
          await new Promise((resolve) => setTimeout(resolve, 150 + Math.random() * 100));
          if (stop) return;
          if (input) history.push(input);
          const answer = await hop(id, session, history.join('*'));
          answers.push(answer);
          answered.add(id);
          if (answer.body.startsWith('END')) break;
        }
      }
    }

    const until = async (enough: () => boolean, atMostMs: number) => {
      for (const started = performance.now(); !enough() && performance.now() - started < atMostMs; ) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const callers = Array.from({ length: 200 }, (_, id) => caller(id));
    // Every caller is mid-session before Redis dies (its first hop, which creates the citizen on a
    // cold process, answered), and the outage lasts for 400 more hops.
    await until(() => answered.size === 200 && answers.length >= 400, 20_000);
    const beforeKill = answers.length;
    await redis.kill();
    await until(() => answers.length >= beforeKill + 400, 20_000);
    const duringOutage = answers.slice(beforeKill);
    stop = true;
    await Promise.all(callers);

    await redis.restart();
    const backAt = performance.now();
    let recoveredMs = -1;
    while (performance.now() - backAt < 10_000) {
      const fresh = await hop(999, `after-${Math.random()}`, '');
      if (fresh.body.startsWith('CON')) {
        recoveredMs = performance.now() - backAt;
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const slowest = Math.max(...duringOutage.map((answer) => answer.ms));
    expect(beforeKill).toBeGreaterThan(200);
    expect(duringOutage.length).toBeGreaterThan(200);
    expect(answers.every((answer) => answer.status === 200 && /^(CON|END) /.test(answer.body))).toBe(true);
    expect(duringOutage.filter((answer) => answer.body.startsWith('END')).every((answer) => answer.body.includes('dial again'))).toBe(true);
    expect(slowest).toBeLessThan(2000);
    expect(recoveredMs).toBeGreaterThanOrEqual(0);
    // Recorded once it holds.
    recordFigure(
      1,
      'Redis killed (SIGKILL) under 200 concurrent USSD callers, every one mid-session',
      `${duringOutage.length} hops during the outage, all 200 with CON or a polite END (${duringOutage.filter((a) => a.body.startsWith('END')).length} ENDs), slowest ${slowest.toFixed(0)} ms; ` +
        `new sessions worked ${recoveredMs.toFixed(0)} ms after Redis returned, no restart`,
    );
  }, 60_000);
});
