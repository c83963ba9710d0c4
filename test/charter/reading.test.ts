import type { Express } from 'express';
import type { AppContext } from '../../src/context';
import type { Database } from '../../src/store/sql';
import { smsSize } from '../../src/text/segments';
import { optionNumber, startLingkod, UssdPhone } from '../support/app';
import { databaseBackends } from '../support/stores';
import { optionIn, TWILIO_ENV, TwilioPhone } from '../channels/sms/support';

/** The Citizen's Charter as citizens read it: CHARTER <word> by SMS in every language, and under a service on USSD. */
describe.each(databaseBackends())("reading a service's Citizen's Charter, on $name", (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app } = await startLingkod(db, { SMS_REPLIES_PER_MINUTE: '100', ...TWILIO_ENV }));
  });
  afterAll(async () => {
    await context.close();
  });

  /** A phone dialled in, in English, on the Crisis assistance service's screen. */
  async function atCrisisAssistance(number: string): Promise<UssdPhone> {
    const phone = new UssdPhone(app, number);
    await phone.dial();
    if (phone.last.includes('English')) await phone.press(optionNumber(phone.last, 'English'));
    for (const label of ['Services', 'Social welfare', 'Crisis assistance']) await phone.press(optionNumber(phone.last, label));
    return phone;
  }

  it.each([
    ['en', 'English', 'CHARTER pension', 'Social pension', ["Citizen's Charter: Social pension for seniors", 'Complex: 7 working days', '1. File with papers: 15 min, Senior Citizens Unit', 'Fee: free', 'Responsible: Senior Citizens Unit', 'Complaints: Text 8888 or see the MSSD desk']],
    ['fil', 'Filipino', 'karta pension', 'Social pension', ["Citizen's Charter: Social pension ng senior", 'Complex: 7 araw ng trabaho', '2. Pagpapatunay ng karapatan: 5 araw, Provincial social worker', 'Reklamo: I-text ang 8888 o pumunta sa MSSD desk']],
    ['bn', 'বাংলা', 'সনদ ভাতা', 'বয়স্ক ভাতা', ['নাগরিক সনদ: বয়স্ক ভাতা', 'জটিল: 7 কর্মদিবস', '3. ভাতা তালিকায় নাম: ২ দিন, অর্থ শাখা', 'অভিযোগ: ৮৮৮৮-এ এসএমএস বা MSSD ডেস্কে যান']],
  ])('answers %s: LANG %s, then %s, within the SMS size', async (locale, language, keyword, service, lines) => {
    const phone = new TwilioPhone(app, `+6391755603${String(['en', 'fil', 'bn'].indexOf(locale)).padStart(2, '0')}`);
    await phone.send(`LANG ${language}`);
    const results = await phone.send(keyword);
    // Each reply stays within SMS_MAX_SEGMENTS; a longer Charter (Bangla's UCS-2) goes on with 98.
    let reply = await phone.send(optionIn(results, service));
    let charter = reply;
    for (let more = 0; /\n98 /.test(reply) && more < 5; more++) {
      expect(smsSize(reply).segments).toBeLessThanOrEqual(context.config.SMS_MAX_SEGMENTS);
      reply = await phone.send('98');
      charter += `\n${reply}`;
    }
    expect(smsSize(reply).segments).toBeLessThanOrEqual(context.config.SMS_MAX_SEGMENTS);
    for (const line of lines) expect(charter).toContain(line);
  });

  it('offers the Charter under a service on USSD, page by page, and back to the service', async () => {
    const phone = await atCrisisAssistance('+639175560310');
    const charter = await phone.press(optionNumber(phone.last, "Citizen's Charter"));
    expect(charter).toMatch(/^CON Citizen's Charter: Crisis assistance \(AICS\)\nSimple: 3 working days\n/);
    let screens = charter;
    while (phone.last.includes('98 More')) screens += await phone.press('98');
    expect(screens).toContain('Complaints: Text 8888 or see the MSSD desk');
    // Back through the pages, then to the service.
    for (let back = 0; back < 5 && !phone.last.includes('Apply now'); back++) await phone.press('0');
    expect(phone.last).toContain('Apply now');
  });

  it('sends the receipt by SMS after a USSD filing, so the reference is not only on a screen that disappears', async () => {
    const phone = await atCrisisAssistance('+639175560311');
    await phone.press(optionNumber(phone.last, 'Apply now'));
    await phone.press('Amina Datu');
    await phone.press('5');
    await phone.press(optionNumber(phone.last, 'Medical'));
    const done = await phone.press(optionNumber(phone.last, 'Submit'));
    const reference = /(\d{4}-\d{4}-\d{3})/.exec(done)?.[1];
    expect(reference).toBeDefined();
    const receipts = await db.query<{ channel: string; address: string; body: string }>(
      `SELECT o.channel, o.address, o.body FROM outbox o JOIN requests r ON r.id = o.request_id WHERE r.reference = $1`,
      [reference!.replace(/-/g, '')],
    );
    expect(receipts).toEqual([
      { channel: 'sms', address: 'tel:+639175560311', body: expect.stringMatching(new RegExp(`^Receipt ${reference}: Crisis assistance \\(AICS\\), MSSD Provincial Office, \\d+ \\w+, \\d\\d:\\d\\d\\. Due \\d+ \\w+, \\d\\d:\\d\\d\\.\\nTo check it is from Lingkod, text VERIFY [A-Z2-9]{6}$`)) },
    ]);
  });

  it("takes a receipt to a phone from the unsolicited-SMS budget: a number that never texted gets UNSOLICITED_SMS_PER_NUMBER_PER_DAY, and its requests stand", async () => {
    const citizen = await context.citizens.findOrCreate('tel:+639175560312', 'ussd');
    const filed: string[] = [];
    for (let i = 0; i < context.config.UNSOLICITED_SMS_PER_NUMBER_PER_DAY + 2; i++) {
      filed.push((await context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: { full_name: 'Amina' }, channel: 'ussd' })).reference);
    }
    const receipts = await db.query<{ n: string }>("SELECT count(*) AS n FROM outbox WHERE address = 'tel:+639175560312' AND body LIKE 'Receipt %'");
    expect(Number(receipts[0].n)).toBe(context.config.UNSOLICITED_SMS_PER_NUMBER_PER_DAY);
    expect(await db.query('SELECT reference FROM requests WHERE reference = ANY($1)', [filed])).toHaveLength(filed.length);
  });
});
