import type { Express } from 'express';
import request from 'supertest';
import type { AppContext } from '../../src/context';
import { hasValidCheckDigit, verhoeffCheckDigit } from '../../src/services/reference';
import type { Database } from '../../src/store/sql';
import { databaseBackends } from '../support/stores';
import { LogCapture, USSD_PATH, UssdPhone, optionNumber, startLingkod, switchableDatabase } from '../support/app';

const referenceIn = (screen: string) => /(\d{4}-\d{4}-\d{3})/.exec(screen)?.[1] ?? '';

describe.each(databaseBackends())('USSD through Africa\'s Talking, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app, logs } = await startLingkod(db));
  });
  afterAll(async () => {
    await context.close();
  });

  it('counts a network code that is not an MCC+MNC as one "unknown" network: a forged code buys no fresh allowance', async () => {
    const reference = `1234567890${verhoeffCheckDigit('1234567890')}`;
    for (const [index, networkCode] of ['made-up-1', '1234567', 'abc'].entries()) {
      const sessionId = `ATUid_network_${index}`;
      const history: string[] = [];
      const hop = async (input?: string) => {
        if (input !== undefined) history.push(input);
        const answer = await request(app).post(USSD_PATH).type('form').send({ sessionId, serviceCode: '*347#', phoneNumber: '+639175550777', networkCode, text: history.join('*') });
        return answer.text;
      };
      let screen = await hop();
      if (screen.includes('Choose your language')) screen = await hop(optionNumber(screen, 'English'));
      screen = await hop(optionNumber(screen, 'Check a status'));
      expect(await hop(reference)).toContain('No request has that reference.');
    }
    const networks = await db.query<{ network: string }>("SELECT details->>'network' AS network FROM audit_log WHERE action = 'request.lookup' AND target = $1", [`request:${reference}`]);
    expect(networks).toEqual([{ network: 'africastalking:unknown' }, { network: 'africastalking:unknown' }, { network: 'africastalking:unknown' }]);
  });

  /** A phone that has already chosen English, so journeys start at the main menu. */
  async function englishPhone(number: string): Promise<UssdPhone> {
    const phone = new UssdPhone(app, number);
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'English'));
    return phone;
  }

  it('asks a first-time caller for their language, then shows the main menu in it', async () => {
    const phone = new UssdPhone(app, '+639170000001');
    expect(await phone.dial()).toMatch(/^CON Choose your language\n1 English\n2 Filipino\n3 বাংলা/);
    const menu = await phone.press('2');
    expect(menu).toMatch(/^CON /);
    expect(menu).not.toContain('Services');
    // Remembered: the next dial starts in Filipino at the main menu.
    const again = await phone.dial();
    expect(again).toBe(menu);
  });

  it('browses a category, a service and what to bring, the fee, the office and the time', async () => {
    const phone = await englishPhone('+639170000002');
    await phone.press(optionNumber(phone.last, 'Services'));
    await phone.press(optionNumber(phone.last, 'Health'));
    const services = phone.last;
    expect(services).toMatch(/^CON Choose a service\n1 /);
    const detail = await phone.press('1');
    expect(detail).toMatch(/Bring: /);
    expect(detail).toMatch(/Fee: (free|PHP \d+)/);
    expect(detail).toMatch(/Where: /);
    expect(detail).toMatch(/Takes: /);
    expect(await phone.press('0')).toBe(services);
  });

  it('submits a request from a form, confirms it only after it is committed, and lists it under my requests', async () => {
    const phone = await englishPhone('+639170000003');
    await phone.press(optionNumber(phone.last, 'Services'));
    await phone.press(optionNumber(phone.last, 'Social welfare'));
    await phone.press(optionNumber(phone.last, 'Crisis assistance'));
    await phone.press(optionNumber(phone.last, 'Apply now'));
    expect(phone.last).toContain('Question 1 of 3');
    await phone.press('Amina Datu');
    await phone.press('5');
    await phone.press(optionNumber(phone.last, 'Medical'));
    expect(phone.last).toContain('Full name: Amina Datu');
    expect(phone.last).toContain('Household size: 5');
    const done = await phone.press(optionNumber(phone.last, 'Submit'));
    expect(done).toMatch(/^END Request for Crisis assistance \(AICS\) received\. Your reference is \d{4}-\d{4}-\d{3}\./);
    const reference = referenceIn(done).replace(/-/g, '');
    expect(hasValidCheckDigit(reference)).toBe(true);

    const [row] = await db.query<{ status: string; answers: Record<string, string>; channel: string }>(
      'SELECT status, answers, channel FROM requests WHERE reference = $1',
      [reference],
    );
    expect(row).toEqual({ status: 'received', answers: { full_name: 'Amina Datu', household_size: '5', need: 'medical' }, channel: 'ussd' });

    await phone.dial();
    const mine = await phone.press(optionNumber(phone.last, 'My requests'));
    expect(mine).toContain(referenceIn(done));
    const detail = await phone.press('1');
    expect(detail).toContain('Status: Received');
    expect(detail).toMatch(/Updated \d{1,2} [A-Z][a-z]{2} 20\d\d/);
  });

  it('shows another phone only the service and status of a request, never the answers', async () => {
    const owner = await englishPhone('+639170000004');
    // Services → Social welfare → Crisis assistance (AICS) → Apply now, then the form.
    await owner.walk('1', '1', '1', '1', 'Bai Salma', '3');
    await owner.press(optionNumber(owner.last, 'Burial'));
    const reference = referenceIn(await owner.press('1'));

    const stranger = await englishPhone('+639170000005');
    await stranger.press(optionNumber(stranger.last, 'Check a status'));
    const result = await stranger.press(reference);
    expect(result).toContain('Crisis assistance (AICS)');
    expect(result).toContain('Status: Received');
    expect(result).not.toContain('Bai Salma');
    expect(result).not.toContain('Updated');
  });

  it('refuses a mistyped reference by its check digit, before any lookup', async () => {
    const phone = await englishPhone('+639170000006');
    await phone.press(optionNumber(phone.last, 'Check a status'));
    expect(await phone.press('4821-7730-95')).toContain('A reference has 11 digits');
    // 12345678902 fails the Verhoeff check; 12345678901 would pass it only by chance.
    const valid = '1234567890' + [...Array(10).keys()].find((digit) => hasValidCheckDigit(`1234567890${digit}`));
    const wrong = valid.slice(0, 10) + String((Number(valid[10]) + 1) % 10);
    expect(await phone.press(wrong)).toContain('That reference has a mistake');
    expect(await phone.press(valid)).toContain('No request has that reference.');
  });

  it('finds the service centre for a province and municipality', async () => {
    const phone = await englishPhone('+639170000007');
    await phone.press(optionNumber(phone.last, 'Find a service centre'));
    await phone.press(optionNumber(phone.last, 'Lanao del Sur'));
    let screen = phone.last;
    while (!screen.includes('Marawi')) screen = await phone.press('98');
    const centre = await phone.press(optionNumber(screen, 'Marawi'));
    expect(centre).toMatch(/Marawi City Service Centre, .+\. Open /);
  });

  it('subscribes to a topic for a municipality and unsubscribes again', async () => {
    const phone = await englishPhone('+639170000008');
    await phone.press(optionNumber(phone.last, 'Announcements'));
    expect(phone.last).toContain('You follow 0 announcement topics.');
    await phone.press(optionNumber(phone.last, 'Follow a topic'));
    await phone.press('1');
    await phone.press(optionNumber(phone.last, 'Cotabato City'));
    const done = await phone.press('1');
    expect(done).toMatch(/^END Done\. You will get .+ announcements for .+\./);
    const [{ n }] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM subscriptions s JOIN citizen_addresses a ON a.citizen_id = s.citizen_id WHERE a.address = 'tel:+639170000008'`,
    );
    expect(n).toBe(1);

    await phone.dial();
    await phone.press(optionNumber(phone.last, 'Announcements'));
    expect(phone.last).toContain('You follow 1 announcement topic.');
    await phone.press(optionNumber(phone.last, 'Stop following'));
    expect(await phone.press('1')).toMatch(/^END Done\. You will no longer get those announcements\./);
    const [{ left }] = await db.query<{ left: number }>(
      `SELECT count(*)::int AS left FROM subscriptions s JOIN citizen_addresses a ON a.citizen_id = s.citizen_id WHERE a.address = 'tel:+639170000008'`,
    );
    expect(left).toBe(0);
  });

  it('pages a long list with 98 and back with 0, keeping option numbers across pages', async () => {
    const phone = await englishPhone('+639170000009');
    await phone.press(optionNumber(phone.last, 'Find a service centre'));
    await phone.press(optionNumber(phone.last, 'Lanao del Sur'));
    const first = phone.last;
    expect(first).toContain('98 More');
    const second = await phone.press('98');
    const numbers = (screen: string) =>
      screen
        .slice(4)
        .split('\n')
        .filter((line) => /^\d+ /.test(line) && !/^(98|0) /.test(line))
        .map((line) => Number(line.split(' ')[0]));
    const lastOnFirst = numbers(first).pop();
    const firstOnSecond = numbers(second)[0];
    expect(firstOnSecond).toBe((lastOnFirst ?? NaN) + 1);
    expect(await phone.press('0')).toBe(first);
  });

  it('repeats the screen with a short hint on junk and keeps the session', async () => {
    const phone = await englishPhone('+639170000010');
    const menu = phone.last;
    const junk = await phone.press('77');
    const entries = menu.split('\n').filter((line) => /^[1-9] /.test(line)).length;
    const [hint, ...rest] = junk.split('\n');
    expect(hint).toBe(`CON Reply with a number from 1 to ${entries}.`);
    // The same menu under the hint, as much of it as the page holds (the rest behind 98 More).
    const shown = rest.filter((line) => !/^(98|0) /.test(line));
    expect(shown.length).toBeGreaterThan(entries / 2);
    expect(shown).toEqual(menu.slice(4).split('\n').slice(0, shown.length));
    const word = await phone.press('hello');
    expect(word).toMatch(/^CON Reply with a number/);
    expect(await phone.press(optionNumber(menu, 'Help'))).toMatch(/^CON Choose by typing the number/);
  });

  it('answers a gateway retry of the same hop with the same screen, without stepping twice', async () => {
    const phone = await englishPhone('+639170000011');
    const services = await phone.press(optionNumber(phone.last, 'Services'));
    expect(await phone.retry()).toBe(services);
    // Still on the category list: "1" picks the first category, not a service.
    expect(await phone.press('1')).toMatch(/^CON Choose a service/);
  });

  it('offers a form cut off by a dropped session on the next dial, and continues it', async () => {
    const phone = await englishPhone('+639170000012');
    await phone.walk('1', '1', '1', '1', 'Farida Ali');
    expect(phone.last).toContain('Question 2 of 3');
    const offer = await phone.dial();
    expect(offer).toMatch(/^CON You have an unfinished request for Crisis assistance \(AICS\)\. Continue it\?\n1 Yes\n2 No$/);
    expect(await phone.press('1')).toContain('Question 2 of 3');
    await phone.dial();
    expect(await phone.press('2')).toMatch(/^CON Lingkod - government services/);
  });

  it('writes no phone number to the logs', async () => {
    const all = logs.lines.join('\n');
    expect(all).not.toMatch(/9170000\d{3}/);
  });
});

describe('USSD when something is wrong', () => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let logs: LogCapture;

  beforeAll(async () => {
    db = await databaseBackends()[0].open();
    ({ context, app, logs } = await startLingkod(db));
  });
  afterAll(async () => {
    await context.close();
  });

  it.each([
    ['no session id', { phoneNumber: '+639171234567', text: '' }, /sessionId/],
    ['no phone number', { sessionId: 'x', text: '' }, /phoneNumber/],
    ['a phone number that is not one', { sessionId: 'x', phoneNumber: 'abcdefgh', text: '' }, /phoneNumber/],
  ])('answers 400 with the reason for a hop with %s', async (_what, body, reason) => {
    const response = await request(app).post(USSD_PATH).type('form').send(body);
    expect(response.status).toBe(400);
    expect(response.text).toMatch(reason);
  });

  it('answers 413, not 5xx, to a huge body and 400 to a binary one', async () => {
    const huge = await request(app).post(USSD_PATH).type('form').send(`sessionId=x&phoneNumber=%2B639171234567&text=${'1'.repeat(20000)}`);
    expect(huge.status).toBe(413);
    const binary = await request(app)
      .post(USSD_PATH)
      .set('content-type', 'application/octet-stream')
      .send(Buffer.from([0, 255, 254, 1, 2, 3]));
    expect(binary.status).toBe(400);
  });

  it('ends politely, logs the failure without the phone number, when the records store is down', async () => {
    const flaky = switchableDatabase(db);
    const broken = await startLingkod(flaky);
    flaky.down = true;
    const response = await request(broken.app)
      .post(USSD_PATH)
      .type('form')
      .send({ sessionId: 's', phoneNumber: '+639175550123', text: '' });
    expect(response.status).toBe(200);
    expect(response.text).toBe('END Sorry, the service is busy. Please dial again in a few minutes.');
    const logged = broken.logs.lines.join('\n');
    expect(logged).toContain('USSD hop not served');
    expect(logged).not.toContain('5550123');
  });

  it('reports alive, ready and metrics', async () => {
    expect((await request(app).get('/healthz')).body).toEqual({ status: 'ok' });
    const ready = await request(app).get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.database).toEqual({ engine: 'pglite', ok: true });
    await new UssdPhone(app).dial();
    const metrics = await request(app).get('/metrics');
    expect(metrics.text).toMatch(/lingkod_hops_total\{channel="ussd",outcome="ok"\} \d+/);
    expect(metrics.text).toMatch(/lingkod_hop_duration_seconds_count\{channel="ussd"\} \d+/);
    expect(logs.lines.join('\n')).not.toContain('9171234567');
  });
});
