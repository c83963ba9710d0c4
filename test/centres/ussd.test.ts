import type { Database } from '../../src/store/sql';
import { UssdPhone, optionNumber } from '../support/app';
import { databaseBackends } from '../support/stores';
import { MARAWI, startCentres, type CentreHarness } from './support';

/**
 * Service centres and trust on a feature phone: the request a centre filed is confirmed (or
 * refused) on the next dial, a family shares one phone, and a message is checked by its code.
 */
const referenceIn = (screen: string) => /(\d{4}-\d{4}-\d{3})/.exec(screen)?.[1]?.replace(/-/g, '') ?? '';

describe.each(databaseBackends())('service centres and trust over USSD, records on $name', (backend) => {
  let db: Database;
  let h: CentreHarness;
  let centreKey: string;

  beforeAll(async () => {
    db = await backend.open();
    h = await startCentres(db);
    centreKey = (await h.keyFor('mssd', MARAWI)).key;
  });
  afterAll(async () => {
    await h.context.close();
  });

  async function statusOf(assistedId: number): Promise<string> {
    const [row] = await db.query<{ status: string }>('SELECT status FROM assisted_requests WHERE id = $1', [assistedId]);
    return row.status;
  }

  /** The one-time code last texted to a phone (USSD asks for it before an act that cannot be undone). */
  async function codeTextedTo(number: string): Promise<string> {
    const [row] = await db.query<{ body: string }>("SELECT body FROM outbox WHERE address = $1 AND body LIKE 'Lingkod code %' ORDER BY id DESC LIMIT 1", [`tel:${number}`]);
    return /\d{6}/.exec(row?.body ?? '')?.[0] ?? '';
  }

  /** A phone that has chosen English (so a dial opens on the menu). */
  async function englishPhone(number: string): Promise<UssdPhone> {
    const phone = new UssdPhone(h.app, number);
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'English'));
    return phone;
  }

  it('asks on the next dial to confirm the request filed at the centre, and files it on 1 Yes and the code texted to the phone', async () => {
    const filed = (await h.file(centreKey, { phone: '+639171235001', locale: 'en' })).body.request;
    const phone = new UssdPhone(h.app, '+639171235001');
    expect(await phone.dial()).toBe('CON Confirm request for Crisis assistance (AICS) filed at Marawi City Service Centre?\n1 Yes\n2 No\n0 Back');
    expect(await phone.press('1')).toBe('CON We sent a code by SMS to this phone. Type it here:\n0 Back');
    const done = await phone.press(await codeTextedTo('+639171235001'));
    expect(done).toMatch(/^END Confirmed\. Request for Crisis assistance \(AICS\) received\. Your reference is \d{4}-\d{4}-\d{3}\.\nKeep it to check the status\.$/);
    const [request] = await db.query<{ channel: string; answers: object }>('SELECT channel, answers FROM requests WHERE reference = $1', [referenceIn(done)]);
    expect(request).toEqual({ channel: 'centre', answers: { full_name: 'Amina Datu', household_size: '4', need: 'medical' } });
    expect(await statusOf(filed.id)).toBe('confirmed');
    // Answered: the next dial opens on the menu.
    expect(await phone.dial()).toMatch(/^CON Lingkod - government services\n/);
  });

  it('files nothing on 2 No, and leaves the request waiting on 0 Back, to be asked again', async () => {
    const refused = (await h.file(centreKey, { phone: '+639171235002', locale: 'en' })).body.request;
    const phone = new UssdPhone(h.app, '+639171235002');
    await phone.dial();
    expect(await phone.press('2')).toBe('END Cancelled: nothing was filed. If you did not ask for it, tell the centre.');
    expect(await statusOf(refused.id)).toBe('declined');

    const later = (await h.file(centreKey, { phone: '+639171235002' })).body.request;
    expect(await phone.dial()).toMatch(/^CON Confirm request for/);
    expect(await phone.press('0')).toMatch(/^CON Lingkod - government services\n/);
    expect(await statusOf(later.id)).toBe('pending');
    expect(await phone.dial()).toMatch(/^CON Confirm request for/);
    expect(await db.query(`SELECT r.id FROM requests r JOIN citizen_addresses a ON a.citizen_id = r.citizen_id WHERE a.address = 'tel:+639171235002'`)).toEqual([]);
  });

  it('no longer asks once the request has expired', async () => {
    await h.file(centreKey, { phone: '+639171235003', locale: 'en' });
    const started = h.clock.now;
    h.clock.now = started + 24 * 3600_000;
    try {
      expect(await new UssdPhone(h.app, '+639171235003').dial()).toMatch(/^CON Lingkod - government services\n/);
    } finally {
      h.clock.now = started;
    }
  });

  it('files a request made for someone else on the phone under their name, adding them to the family', async () => {
    await h.file(centreKey, { phone: '+639171235004', locale: 'en', person: { name: 'Bai Amina', relationship: 'child' } });
    const phone = new UssdPhone(h.app, '+639171235004');
    expect(await phone.dial()).toBe('CON Confirm request for Crisis assistance (AICS) for Bai Amina, filed at Marawi City Service Centre?\n1 Yes\n2 No\n0 Back');
    await phone.press('1');
    expect(await phone.press(await codeTextedTo('+639171235004'))).toMatch(/^END Confirmed\. Request for Crisis assistance \(AICS\) received\. Your reference is \d{4}-\d{4}-\d{3}\.\nFor: Bai Amina\n/);
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'My requests'));
    expect(phone.last).toBe('CON Whose requests?\n1 Me: 0\n2 Bai Amina (child): 1\n3 Family members\n0 Back');
  });

  it('keeps a family on one phone: add a person, apply for them, see requests by person, and hear about them by name', async () => {
    const phone = await englishPhone('+639171235005');
    await phone.press(optionNumber(phone.last, 'My requests'));
    expect(phone.last).toBe('CON You have no requests yet.\n1 Family members\n0 Back');
    expect(await phone.press('1')).toBe('CON No family members yet. Add one to make requests for them.\n1 Add a person\n0 Back');
    expect(await phone.press('1')).toBe("CON Type the person's name\n0 Back");
    expect(await phone.press('Nur Datu')).toMatch(/^CON Nur Datu is your:\n1 child\n2 spouse\n3 parent\n/);
    expect(await phone.press(optionNumber(phone.last, 'grandparent'))).toBe('CON Added Nur Datu (grandparent). You can now make requests for them.\n1 Family list\n0 Back');

    await phone.dial();
    await phone.walk(optionNumber(phone.last, 'Services'), '1');
    await phone.press(optionNumber(phone.last, 'Crisis assistance'));
    expect(await phone.press(optionNumber(phone.last, 'Apply now'))).toBe('CON Who is this request for?\n1 Me\n2 Nur Datu (grandparent)\n0 Back');
    await phone.walk('2', 'Nur Datu', '6');
    const review = await phone.press(optionNumber(phone.last, 'Medical'));
    expect(review).toContain('For: Nur Datu');
    const submitted = await phone.press(optionNumber(review, 'Submit'));
    expect(submitted).toMatch(/^END Request for Crisis assistance \(AICS\) received\. Your reference is \d{4}-\d{4}-\d{3}\.\nFor: Nur Datu\n/);
    const reference = referenceIn(submitted);

    await phone.dial();
    await phone.press(optionNumber(phone.last, 'My requests'));
    expect(phone.last).toBe('CON Whose requests?\n1 Me: 0\n2 Nur Datu (grandparent): 1\n3 Family members\n0 Back');
    expect(await phone.press('2')).toMatch(/^CON Requests for Nur Datu\n1 \d{4}-\d{4}-\d{3} Crisis assistance \(AICS\)\n0 Back$/);
    expect(await phone.press('1')).toContain('For: Nur Datu');

    const officer = { keyId: null, ministryCode: null, label: 'cli' };
    await h.context.admin.requests.changeStatus(officer, reference, { status: 'in_review' });
    const [receipt, update] = await db.query<{ body: string }>(`SELECT o.body FROM outbox o JOIN requests r ON r.id = o.request_id WHERE r.reference = $1 ORDER BY o.id`, [reference]);
    // The filing's receipt names the person too (services/charter-receipt.ts).
    expect(receipt.body).toMatch(/^Receipt \d{4}-\d{4}-\d{3} for Nur Datu: Crisis assistance \(AICS\), /);
    expect(update.body).toMatch(/^Lingkod: The request \d{4}-\d{4}-\d{3} for Nur Datu \(Crisis assistance \(AICS\)\) has a new status: In review\.\nTo check it is from Lingkod, text VERIFY [A-Z2-9]{6}$/);
  });

  it('removes a person from the phone while their requests stay, and then asks no more whom a request is for', async () => {
    const phone = await englishPhone('+639171235006');
    await phone.press(optionNumber(phone.last, 'My requests'));
    await phone.walk('1', '1', 'Sitti', '1');
    await phone.press('1');
    expect(phone.last).toBe('CON Family on this phone\n1 Sitti (child)\n2 Add a person\n0 Back');
    expect(await phone.press('1')).toBe('CON Sitti (child)\n1 Remove from this phone\n0 Back');
    expect(await phone.press('1')).toBe('CON Remove Sitti? Their requests stay.\n1 Yes\n2 No\n0 Back');
    expect(await phone.press('1')).toBe('CON Removed.\n1 Family list\n0 Back');
    expect(await phone.press('1')).toBe('CON No family members yet. Add one to make requests for them.\n1 Add a person\n0 Back');
    await phone.dial();
    await phone.walk(optionNumber(phone.last, 'Services'), '1');
    await phone.press(optionNumber(phone.last, 'Crisis assistance'));
    expect(await phone.press(optionNumber(phone.last, 'Apply now'))).toMatch(/^CON Question 1 of 3\n/);
  });

  it('checks a message by its code: genuine when Lingkod sent it to this phone, and a warning when not', async () => {
    const phone = await englishPhone('+639171235007');
    const citizen = await h.context.citizens.findOrCreate('tel:+639171235007', 'ussd');
    const { reference } = await h.context.requests.submit({ citizenId: citizen.id, serviceCode: 'mssd-aics', answers: {}, channel: 'ussd' });
    await h.context.admin.requests.changeStatus({ keyId: null, ministryCode: null, label: 'cli' }, reference, { status: 'approved' });
    const [{ verification_code: code }] = await db.query<{ verification_code: string }>(
      `SELECT verification_code FROM outbox WHERE citizen_id = $1 AND kind = 'status'`,
      [citizen.id],
    );

    await phone.dial();
    await phone.press(optionNumber(phone.last, 'Help'));
    expect(phone.last).toBe(
      'CON Choose by typing the number. 0 goes back, 98 shows more.\nFor help, visit your municipal service centre.\n1 Check a message\n2 Main menu\n0 Back',
    );
    expect(await phone.press('1')).toBe('CON Type the code at the end of the message\n0 Back');
    expect(await phone.press(code.toLowerCase())).toMatch(
      /^CON Genuine: Lingkod sent you this message on \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}, from Ministry of Social Services and Development\.\n1 Check another\n0 Back$/,
    );
    await phone.press('1');
    expect(await phone.press('ZZ9ZZ9')).toBe(
      'CON Lingkod sent you no message with code ZZ9ZZ9. Do not reply to it, pay or share a PIN.\n1 Check another\n0 Back',
    );
    // Another phone cannot learn anything from the same code.
    const stranger = await englishPhone('+639171235008');
    await stranger.walk(optionNumber(stranger.last, 'Help'), '1');
    expect(await stranger.press(code)).toMatch(/^CON Lingkod sent you no message with code/);
  });

  it('tells the citizen which centre a texted code came from', async () => {
    const filed = await h.file(centreKey, { phone: '+639171235009', locale: 'en' });
    const [{ verification_code: code }] = await db.query<{ verification_code: string }>('SELECT verification_code FROM outbox WHERE id = $1', [filed.body.notification.outboxId]);
    const phone = new UssdPhone(h.app, '+639171235009');
    await phone.dial();
    await phone.press('0');
    await phone.walk(optionNumber(phone.last, 'Help'), '1');
    expect(await phone.press(code)).toMatch(/^CON Genuine: Lingkod sent you this message on .+, from Marawi City Service Centre\./);
  });
});
