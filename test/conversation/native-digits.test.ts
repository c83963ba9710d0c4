import type { Express } from 'express';
import request from 'supertest';
import type { AppContext } from '../../src/context';
import { interpret, type View } from '../../src/dialogs/input';
import { PgliteDatabase } from '../../src/store/pglite';
import { TODAY, UssdPhone, optionNumber, startLingkod } from '../support/app';
import type { FakeBotApi } from '../channels/telegram/fake-bot-api';
import { TelegramUser, startWithTelegram } from '../channels/telegram/support';

/**
 * Digits of other scripts (Bangla ০-৯, Devanagari ०-९, Arabic-Indic ٠-٩, Persian ۰-۹) are read as
 * the SMS layer reads them, on every channel: the engine's input reader folds them before it
 * picks an option or checks an answer, so USSD, the simulator's chat and Telegram all take them.
 */
const bangla = (digits: string) => digits.replace(/\d/g, (d) => String.fromCodePoint(0x09e6 + Number(d)));

const choice: View = { expect: { kind: 'choice' }, values: ['a', 'b', 'c'], back: true, page: 0, pageCount: 1 };

describe('native digits in the engine\'s input reader', () => {
  it('picks an option, answers a number and reads a date typed in Bangla, Devanagari or Arabic-Indic digits', () => {
    expect(interpret('৩', choice, TODAY)).toEqual({ kind: 'event', event: { type: 'CHOOSE', value: 'c' } });
    expect(interpret('२', choice, TODAY)).toEqual({ kind: 'event', event: { type: 'CHOOSE', value: 'b' } });
    expect(interpret('١', choice, TODAY)).toEqual({ kind: 'event', event: { type: 'CHOOSE', value: 'a' } });
    expect(interpret('৯৮', { ...choice, pageCount: 2 }, TODAY)).toEqual({ kind: 'page', page: 1 });
    expect(interpret('০', choice, TODAY)).toEqual({ kind: 'event', event: { type: 'BACK' } });
    const digits: View = { ...choice, expect: { kind: 'digits', minLength: 1, maxLength: 2 } };
    expect(interpret(' ১২ ', digits, TODAY)).toEqual({ kind: 'event', event: { type: 'ANSWER', value: '12' } });
    const date: View = { ...choice, expect: { kind: 'date', range: 'past' } };
    expect(interpret('১৫-০৬-১৯৯০', date, TODAY)).toEqual({ kind: 'event', event: { type: 'ANSWER', value: '1990-06-15' } });
  });
});

describe('native digits over USSD and the simulator chat', () => {
  let context: AppContext;
  let app: Express;

  beforeAll(async () => {
    ({ context, app } = await startLingkod(await PgliteDatabase.open(undefined)));
  });
  afterAll(async () => {
    await context.close();
  });

  it('takes Bangla digits on USSD: a language, a menu entry and a form answer', async () => {
    const phone = new UssdPhone(app, '+639171239301');
    await phone.dial();
    const menu = await phone.press(bangla(optionNumber(phone.last, 'বাংলা')));
    expect(menu).toMatch(/^CON /);
    expect(menu).toContain('সেবা');
    const categories = await phone.press(bangla(optionNumber(menu, /^\d+ সেবা/)));
    expect(categories).toContain('সমাজকল্যাণ');
    const services = await phone.press(bangla(optionNumber(categories, 'সমাজকল্যাণ')));
    expect(services).toContain('(AICS)');
  });

  it('takes Bangla digits in the simulator chat', async () => {
    const chat = async (text: string) => (await request(app).post('/simulator/chat').send({ phone: '+639171239302', text }).expect(200)).body as { text: string; buttons: { label: string; value: string }[] };
    const first = await chat('hi');
    const index = first.buttons.findIndex((button) => button.label === 'বাংলা');
    expect(index).toBeGreaterThanOrEqual(0);
    const menu = await chat(bangla(String(index + 1)));
    expect(menu.buttons.map((button) => button.label).join(' ')).toContain('সেবা');
  });
});

describe('native digits in Telegram', () => {
  let context: AppContext;
  let app: Express;
  let fake: FakeBotApi;

  beforeAll(async () => {
    ({ context, app, fake } = await startWithTelegram(await PgliteDatabase.open(undefined)));
  });
  afterAll(async () => {
    await context.close();
    await fake.close();
  });

  it('takes a number typed in Bangla digits (a Bangla keyboard sends them)', async () => {
    const user = new TelegramUser(app, context, fake, 5_550_900_001, 'bn');
    await user.send('/start');
    const buttons = user.buttons;
    const index = buttons.indexOf('বাংলা');
    expect(index).toBeGreaterThanOrEqual(0);
    const reply = await user.send(bangla(String(index + 1)));
    expect(user.buttons.join(' ')).toContain('সেবা');
    expect(reply.text).not.toMatch(/^\s*(Please|অনুগ্রহ)/);
  });
});
