import { KeywordParser } from '../../src/conversation/keywords';
import { SUPPORTED_LOCALES } from '../../src/config';
import { CLI_ACTOR } from '../../src/services/access';
import { createI18n } from '../../src/i18n';
import type { Database } from '../../src/store/sql';
import { TWILIO_ENV, TwilioPhone } from '../channels/sms/support';
import { databaseBackends } from '../support/stores';
import { MARAWI, startCentres, type CentreHarness } from './support';

/**
 * Service centres and trust by SMS, through Twilio's webhook: a reply with the code the
 * centre's SMS gave confirms the request, the first text after a filing is answered with the
 * confirmation question, and VERIFY <code> checks a message, in every language's word for it.
 */
describe('the VERIFY keyword', () => {
  const keywords = KeywordParser.fromLocales(createI18n('en'), SUPPORTED_LOCALES);

  it("is understood in every language's words, with the code after it", () => {
    for (const text of ['VERIFY KX7M2Q', 'verify kx7m2q', 'Beripikahin KX7M2Q', 'TIYAKIN KX7M2Q', 'যাচাই KX7M2Q', 'যাচাই করুন KX7M2Q']) {
      expect(keywords.parse(text)).toEqual({ kind: 'verify', argument: expect.stringMatching(/^kx7m2q$/i) });
    }
    expect(keywords.parse('VERIFY')).toEqual({ kind: 'verify' });
  });
});

describe.each(databaseBackends())('service centres and trust by SMS, records on $name', (backend) => {
  let db: Database;
  let h: CentreHarness;
  let centreKey: string;

  beforeAll(async () => {
    db = await backend.open();
    h = await startCentres(db, { ...TWILIO_ENV, SMS_REPLIES_PER_MINUTE: '1000', VERIFY_LOOKUPS_PER_HOUR: '6' }, { fakeSms: false });
    centreKey = (await h.keyFor('mssd', MARAWI)).key;
  });
  afterAll(async () => {
    await h.context.close();
  });

  async function fileFor(number: string, body: Record<string, unknown> = {}): Promise<{ id: number; code: string }> {
    const response = await h.file(centreKey, { phone: number, locale: 'en', ...body });
    expect(response.body.notification).toMatchObject({ queued: true, channel: 'sms' });
    return { id: response.body.request.id, code: await h.codeOf(response.body.request.id) };
  }

  it('confirms the request when the citizen replies with the code texted to them', async () => {
    const { id, code } = await fileFor('+639181238001');
    const [{ body }] = await db.query<{ body: string }>(`SELECT body FROM outbox WHERE address = 'tel:+639181238001' AND kind = 'notice'`);
    expect(body).toContain(`To confirm it, reply ${code} within 24 hours, or dial us.`);
    const reply = await new TwilioPhone(h.app, '+639181238001').send(code);
    expect(reply).toMatch(/^Confirmed\. Request for Crisis assistance \(AICS\) received\. Your reference is \d{4}-\d{4}-\d{3}\.\nKeep it to check the status\.\nReply MENU for more\.$/);
    expect(await db.query('SELECT status FROM assisted_requests WHERE id = $1', [id])).toEqual([{ status: 'confirmed' }]);
  });

  it("does not take another phone's code, nor six digits from a phone with nothing waiting", async () => {
    const { id, code } = await fileFor('+639181238002');
    expect(await new TwilioPhone(h.app, '+639181238003').send(code)).toMatch(/^Choose your language\n/);
    expect(await db.query('SELECT status FROM assisted_requests WHERE id = $1', [id])).toEqual([{ status: 'pending' }]);
  });

  it('asks the confirmation question on the first text after a filing, and files on 1', async () => {
    await fileFor('+639181238004');
    const phone = new TwilioPhone(h.app, '+639181238004');
    expect(await phone.send('Hello')).toBe('Confirm request for Crisis assistance (AICS) filed at Marawi City Service Centre?\n1 Yes\n2 No\n0 Back\nReply with a number.');
    expect(await phone.send('1')).toMatch(/^Confirmed\. Request for Crisis assistance \(AICS\) received\./);
  });

  it('declines by SMS too: 2 at that question files nothing and marks the request declined', async () => {
    const { id } = await fileFor('+639181238005');
    const phone = new TwilioPhone(h.app, '+639181238005');
    expect(await phone.send('Hello')).toMatch(/^Confirm request for Crisis assistance \(AICS\)/);
    expect(await phone.send('2')).toMatch(/^Cancelled: nothing was filed\. If you did not ask for it, tell the centre\./);
    expect(await db.query('SELECT status, request_id FROM assisted_requests WHERE id = $1', [id])).toEqual([{ status: 'declined', request_id: null }]);
  });

  it('answers VERIFY <code> with whether Lingkod sent that message, in any language\'s word, within the hourly allowance', async () => {
    const phone = new TwilioPhone(h.app, '+639181238005');
    await phone.send('LANG en');
    const citizen = await h.context.citizens.findOrCreate('tel:+639181238005', 'sms');
    const { reference } = await h.context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: {}, channel: 'sms' });
    await h.context.admin.requests.changeStatus(CLI_ACTOR, reference, { status: 'in_review' });
    const [{ body, verification_code: code }] = await db.query<{ body: string; verification_code: string }>(
      `SELECT body, verification_code FROM outbox WHERE citizen_id = $1 AND kind = 'status'`,
      [citizen.id],
    );
    expect(body.endsWith(`To check it is from Lingkod, text VERIFY ${code}`)).toBe(true);

    const genuine = /^Genuine: Lingkod sent you this message on \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}, from Ministry of Social Services and Development\.\n1 Check another\n0 Back\nReply with a number\.$/;
    expect(await phone.send(`VERIFY ${code}`)).toMatch(genuine);
    expect(await phone.send(`beripikahin ${code.toLowerCase()}`)).toMatch(genuine);
    expect(await phone.send(`যাচাই ${code}`)).toMatch(genuine);
    expect(await phone.send('VERIFY QQ7QQ7')).toBe('Lingkod sent you no message with code QQ7QQ7. Do not reply to it, pay or share a PIN.\n1 Check another\n0 Back\nReply with a number.');
    expect(await phone.send('VERIFY')).toBe('Type the code at the end of the message\n0 Back');
    expect(await phone.send(code)).toMatch(genuine);
    // Six lookups an hour in this deployment (the question alone looks nothing up): the seventh is refused, whatever the code.
    expect(await phone.send(`VERIFY ${code}`)).toMatch(genuine);
    expect(await phone.send(`VERIFY ${code}`)).toBe('Too many checks from this number. Please try again in an hour.\n1 Main menu\n0 Back\nReply with a number.');
  });
});
