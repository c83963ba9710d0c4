import type { Express } from 'express';
import type { AppContext } from '../../../src/context';
import { preferredAddress } from '../../../src/services/reachability';
import type { Database } from '../../../src/store/sql';
import { UssdPhone, optionNumber } from '../../support/app';
import { databaseBackends } from '../../support/stores';
import type { FakeBotApi } from './fake-bot-api';
import { TelegramUser, postUpdate, startWithTelegram } from './support';

const referenceIn = (text: string) => /(\d{4}-\d{4}-\d{3})/.exec(text)?.[1] ?? '';

describe.each(databaseBackends())('one citizen across USSD and Telegram, records on $name', (backend) => {
  let db: Database;
  let context: AppContext;
  let app: Express;
  let fake: FakeBotApi;
  let nextUser = 5_550_300_000;

  beforeAll(async () => {
    db = await backend.open();
    ({ context, app, fake } = await startWithTelegram(db));
  });
  afterAll(async () => {
    await context.close();
    await fake.close();
  });

  async function englishUser(): Promise<TelegramUser> {
    const user = new TelegramUser(app, context, fake, ++nextUser);
    await user.send('/start');
    await user.press('English');
    return user;
  }

  /** Submits a Crisis assistance request from a feature phone; returns its reference as shown. */
  async function requestByUssd(number: string): Promise<string> {
    const phone = new UssdPhone(app, number);
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'English'));
    // Services → Social welfare → Crisis assistance (AICS) → Apply now, then the form.
    await phone.walk('1', '1', '1', '1', 'Datu Ali', '4');
    await phone.press(optionNumber(phone.last, 'Medical'));
    return referenceIn(await phone.press(optionNumber(phone.last, 'Submit')));
  }

  const citizenOf = async (address: string) =>
    (await db.query<{ citizen_id: string }>('SELECT citizen_id FROM citizen_addresses WHERE address = $1', [address])).map((row) => Number(row.citizen_id))[0];

  it('links the chat to the phone the user shares as their own; requests made by USSD then show under my requests', async () => {
    const reference = await requestByUssd('+639170000301');
    const user = await englishUser();
    expect(user.buttons).toContain('Link my phone number');
    const prompt = await user.press('Link my phone number');
    expect(prompt.text).toMatch(/^Tap the button below to share your phone number/);
    expect(prompt.reply_markup?.keyboard).toEqual([[{ text: 'Share my phone number', request_contact: true }]]);

    // Telegram sends the number as the account has it, often without the plus.
    const linked = await user.shareContact('639170000301');
    expect(linked.text).toMatch(/^Your phone number is linked\./);
    expect(linked.reply_markup).toEqual({ remove_keyboard: true });
    expect(await citizenOf(user.address)).toBe(await citizenOf('tel:+639170000301'));

    const menu = await user.send('/menu');
    expect(menu.text).toBe('Lingkod - government services');
    expect(user.buttons).not.toContain('Link my phone number');
    await user.press('My requests');
    expect(user.buttons.join('\n')).toContain(reference);
  });

  it('sends status updates to whichever of the two the citizen used last', async () => {
    await requestByUssd('+639170000302');
    const user = await englishUser();
    await user.shareContact('+639170000302');
    const citizen = await citizenOf(user.address);
    expect(await preferredAddress(db, citizen)).toEqual({ address: user.address, channel: 'telegram' });

    const phone = new UssdPhone(app, '+639170000302');
    await phone.dial();
    expect(await preferredAddress(db, citizen)).toEqual({ address: 'tel:+639170000302', channel: 'sms' });

    await user.send('/menu');
    expect(await preferredAddress(db, citizen)).toEqual({ address: user.address, channel: 'telegram' });

    // Blocked on Telegram: back to SMS until they write in Telegram again.
    await postUpdate(app, user.update('my_chat_member_kicked'));
    expect(await preferredAddress(db, citizen)).toEqual({ address: 'tel:+639170000302', channel: 'sms' });
  });

  it('shows a request made in Telegram on the phone once the phone is linked, even one never used before', async () => {
    const user = await englishUser();
    await user.press('Services');
    await user.press('Social welfare');
    await user.press('Crisis assistance (AICS)');
    await user.press('Apply now');
    await user.send('Nur Hassan');
    await user.send('2');
    await user.press('Medical');
    const reference = referenceIn((await user.press('Submit')).text);
    await user.shareContact('639170000303');

    const phone = new UssdPhone(app, '+639170000303');
    const menu = await phone.dial();
    // The language chosen in Telegram is the citizen's: no language question on the phone.
    expect(menu).toMatch(/^CON Lingkod - government services/);
    expect(await phone.press(optionNumber(menu, 'My requests'))).toContain(reference);
  });

  it('politely refuses someone else\'s contact, and a contact with no Telegram account, and offers the button again', async () => {
    const user = await englishUser();
    const refused = await user.shareContact('639170000304', user.id + 1);
    expect(refused.text).toBe("That is someone else's number. Please tap the button to share your own.");
    expect(refused.reply_markup?.keyboard?.[0][0].request_contact).toBe(true);
    const noAccount = await user.shareContact('639170000304', null);
    expect(noAccount.text).toBe("That is someone else's number. Please tap the button to share your own.");
    expect(await citizenOf('tel:+639170000304')).toBeUndefined();
  });

  it('refuses a shared number that is not a phone number', async () => {
    const user = await englishUser();
    expect((await user.shareContact('12')).text).toBe('We could not read that phone number. Please tap the button to share your own.');
  });
});
