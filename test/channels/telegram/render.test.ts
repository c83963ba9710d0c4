import fc from 'fast-check';
import { GrammyError, HttpError } from 'grammy';
import type { InlineKeyboardButton } from 'grammy/types';
import { guessLocale } from '../../../src/channels/telegram/language';
import {
  MAX_CALLBACK_BYTES,
  MAX_MESSAGE_LENGTH,
  OPTIONS_PER_PAGE,
  fitMessage,
  keyboardFor,
  newScreenToken,
  parsePress,
  telegramPages,
} from '../../../src/channels/telegram/render';
import { chatIdOf, describeError, toSendError } from '../../../src/channels/telegram/send';
import { secretMatches } from '../../../src/channels/telegram/webhook';
import type { ResolvedScreen } from '../../../src/dialogs/screen';
import { BOT_TOKEN } from './support';

const screen = (overrides: Partial<ResolvedScreen> = {}): ResolvedScreen => ({
  body: ['Choose a service'],
  options: [],
  expect: { kind: 'choice' },
  back: true,
  final: false,
  nav: { more: 'More', back: 'Back' },
  ...overrides,
});
const numbered = (count: number, label = (n: number) => `Option ${n}`) => Array.from({ length: count }, (_, i) => ({ number: i + 1, label: label(i + 1) }));
const dataOf = (button: InlineKeyboardButton) => ('callback_data' in button ? button.callback_data : '');
const labels = (rows: { text: string }[][]) => rows.map((row) => row.map((button) => button.text));

describe('a screen as Telegram messages', () => {
  it('is one message with the body as text when the options fit', () => {
    const pages = telegramPages(screen({ body: ['Choose a category', 'Or go back'], options: numbered(3) }));
    expect(pages).toEqual([{ text: 'Choose a category\nOr go back', options: numbered(3), index: 0, count: 1 }]);
  });

  it('pages a long list, each page saying which it is and every option on exactly one page', () => {
    const pages = telegramPages(screen({ options: numbered(20) }));
    expect(pages.map((page) => page.options.length)).toEqual([OPTIONS_PER_PAGE, OPTIONS_PER_PAGE, 20 - 2 * OPTIONS_PER_PAGE]);
    expect(pages.map((page) => page.text)).toEqual(['Choose a service\n(1/3)', 'Choose a service\n(2/3)', 'Choose a service\n(3/3)']);
    expect(pages.flatMap((page) => page.options.map((option) => option.number))).toEqual(numbered(20).map((option) => option.number));
  });

  it('lists long labels in the text too, by number, since phones cut long buttons short', () => {
    const long = 'Certificate of Indigency for medical and burial assistance';
    const [page] = telegramPages(screen({ options: [{ number: 1, label: long }, { number: 2, label: 'Short' }] }));
    expect(page.text).toBe(`Choose a service\n\n1. ${long}\n2. Short`);
    expect(labels(keyboardFor(screen(), page, 'tok1', 'Main menu'))[0]).toEqual([`1. ${long}`]);
  });

  it('puts Back and More under the options, Back on later pages even when the screen has none', () => {
    const wide = screen({ options: numbered(10), back: false });
    const [first, second] = telegramPages(wide);
    expect(labels(keyboardFor(wide, first, 'tok1', 'Main menu')).at(-1)).toEqual(['More »']);
    expect(labels(keyboardFor(wide, second, 'tok1', 'Main menu')).at(-1)).toEqual(['« Back']);
    const question = screen({ body: ['Full name'], expect: { kind: 'text', minLength: 2, maxLength: 60 } });
    expect(labels(keyboardFor(question, telegramPages(question)[0], 'tok1', 'Main menu'))).toEqual([['« Back']]);
  });

  it('offers the main menu under a screen that ends its dialog', () => {
    const done = screen({ body: ['Request received.'], back: false, final: true, expect: { kind: 'none' } });
    expect(keyboardFor(done, telegramPages(done)[0], 'tok1', 'Pangunahing menu')).toEqual([[{ text: 'Pangunahing menu', callback_data: 'menu' }]]);
  });

  it('sends the keypad input of each button, under the screen token', () => {
    const wide = screen({ options: numbered(OPTIONS_PER_PAGE + 2) });
    const rows = keyboardFor(wide, telegramPages(wide)[0], 'Ab3_', 'Main menu');
    const presses = rows.flat().map((button) => parsePress(dataOf(button)));
    expect(presses).toEqual([
      ...numbered(OPTIONS_PER_PAGE).map((option) => ({ kind: 'input', token: 'Ab3_', input: String(option.number) })),
      { kind: 'input', token: 'Ab3_', input: '0' },
      { kind: 'input', token: 'Ab3_', input: '98' },
    ]);
  });

  it('keeps the page number of a body too long for one message', () => {
    const pages = telegramPages(screen({ body: ['word '.repeat(2000)], options: numbered(OPTIONS_PER_PAGE + 1) }));
    expect(pages.every((page) => page.text.length <= MAX_MESSAGE_LENGTH && page.text.length > MAX_MESSAGE_LENGTH - 20)).toBe(true);
    expect(pages.map((page) => page.text.slice(-7))).toEqual(['…\n(1/2)', '…\n(2/2)']);
  });

  it('keeps callback data within 64 bytes and text within 4096 characters for any screen', () => {
    const anyScreen = fc.record({
      body: fc.array(fc.string({ unit: 'grapheme', maxLength: 3000 }), { maxLength: 4 }),
      options: fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 200 }), { maxLength: 120 }),
      back: fc.boolean(),
      final: fc.boolean(),
    });
    fc.assert(
      fc.property(anyScreen, ({ body, options, back, final }) => {
        const drawn = screen({ body, options: options.map((label, i) => ({ number: i + 1, label })), back, final });
        for (const page of telegramPages(drawn)) {
          expect(page.text.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
          expect(page.options.length).toBeLessThanOrEqual(OPTIONS_PER_PAGE);
          for (const button of keyboardFor(drawn, page, newScreenToken(), 'Main menu').flat()) {
            expect(Buffer.byteLength(dataOf(button), 'utf8')).toBeLessThanOrEqual(MAX_CALLBACK_BYTES);
            expect(parsePress(dataOf(button)).kind).not.toBe('unknown');
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reads the fixed button words, and anything it did not write as unknown', () => {
    expect(parsePress('menu')).toEqual({ kind: 'menu' });
    expect(parsePress('link')).toEqual({ kind: 'link' });
    expect(parsePress('optin')).toEqual({ kind: 'optin' });
    for (const data of ['', 'tok.', 'x.1', 'tok1.1234', 'tok1.-1', '../../etc', 'a'.repeat(64)]) expect(parsePress(data)).toEqual({ kind: 'unknown' });
  });

  it('shortens a text longer than a message at a line or word', () => {
    const text = `${'word '.repeat(1000)}\n${'x'.repeat(2000)}`;
    const fitted = fitMessage(text);
    expect(fitted.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(fitted.endsWith('word…')).toBe(true);
    expect(fitMessage('short')).toBe('short');
  });
});

describe('the first guess at a language', () => {
  it.each([
    ['fil', 'fil'],
    ['tl', 'fil'],
    ['TL-ph', 'fil'],
    ['bn', 'bn'],
    ['bn-BD', 'bn'],
    ['en-US', 'en'],
    ['ar', 'en'],
  ])('reads %s as %s', (code, locale) => {
    expect(guessLocale(code)).toBe(locale);
  });

  it('leaves it to the deployment\'s default when the app sends none', () => {
    expect(guessLocale(undefined)).toBeUndefined();
    expect(guessLocale('')).toBeUndefined();
  });
});

describe('the webhook secret', () => {
  it('matches only the exact secret', () => {
    expect(secretMatches('s3cret-token_1', 's3cret-token_1')).toBe(true);
    expect(secretMatches('s3cret-token_2', 's3cret-token_1')).toBe(false);
    expect(secretMatches('s3cret-token_1x', 's3cret-token_1')).toBe(false);
    expect(secretMatches('', 's3cret-token_1')).toBe(false);
    expect(secretMatches(undefined, 's3cret-token_1')).toBe(false);
  });
});

describe('Bot API answers as send errors', () => {
  const apiError = (error_code: number, description: string, parameters = {}) =>
    new GrammyError(`Call to 'sendMessage' failed!`, { ok: false, error_code, description, parameters }, 'sendMessage', {});

  it('waits for retry_after on a 429', () => {
    expect(toSendError(apiError(429, 'Too Many Requests: retry after 7', { retry_after: 7 }))).toMatchObject({ retryable: true, retryAfterMs: 7000 });
  });

  it('marks the chat unreachable on a 403 and on "chat not found", without retrying', () => {
    expect(toSendError(apiError(403, 'Forbidden: bot was blocked by the user'))).toMatchObject({ retryable: false, unreachable: true });
    expect(toSendError(apiError(403, 'Forbidden: user is deactivated'))).toMatchObject({ retryable: false, unreachable: true });
    expect(toSendError(apiError(400, 'Bad Request: chat not found'))).toMatchObject({ retryable: false, unreachable: true });
  });

  it('gives up on other bad requests, and retries server errors and a rejected token', () => {
    expect(toSendError(apiError(400, 'Bad Request: message is too long'))).toMatchObject({ retryable: false, unreachable: false });
    expect(toSendError(apiError(500, 'Internal Server Error'))).toMatchObject({ retryable: true });
    expect(toSendError(apiError(401, 'Unauthorized'))).toMatchObject({ retryable: true });
  });

  it('retries a network failure, describing it without the request URL, which holds the token', () => {
    const cause = Object.assign(new Error(`request to https://api.telegram.org/bot${BOT_TOKEN}/sendMessage failed, reason: connect ECONNREFUSED`), { code: 'ECONNREFUSED' });
    const error = toSendError(new HttpError("Network request for 'sendMessage' failed!", cause));
    expect(error).toMatchObject({ retryable: true, message: "Network request for 'sendMessage' failed! (ECONNREFUSED)" });
    const timeout = new HttpError("Network request for 'sendMessage' failed!", new Error("Request to 'sendMessage' timed out after 20 seconds"));
    expect(describeError(timeout)).toBe("Network request for 'sendMessage' failed! (timeout)");
    expect(describeError(new Error(`token ${BOT_TOKEN}`))).toBe('Error');
  });

  it('reads the chat id of a Telegram address only', () => {
    expect(chatIdOf('telegram:5550001001')).toBe(5550001001);
    expect(chatIdOf('telegram:-4000000001')).toBe(-4000000001);
    expect(chatIdOf('tel:+639171234567')).toBeUndefined();
    expect(chatIdOf('telegram:12; DROP')).toBeUndefined();
  });
});
