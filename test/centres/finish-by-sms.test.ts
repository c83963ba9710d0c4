import express from 'express';
import request from 'supertest';
import { SmsFinisher, smsText, type SmsFinishOptions } from '../../src/conversation/finish-by-sms';
import { UssdConversation } from '../../src/conversation/ussd';
import type { Conversation } from '../../src/conversation';
import { africasTalkingUssd } from '../../src/channels/africastalking/ussd';
import fc from 'fast-check';
import { encodedLength, encodingOf } from '../../src/text/gsm7';
import { smsSize } from '../../src/text/segments';
import { loadConfig, SUPPORTED_LOCALES } from '../../src/config';
import type { DialogEngine, Paginator, Reply } from '../../src/dialogs/engine';
import type { ResolvedScreen } from '../../src/dialogs/screen';
import { createI18n, translate } from '../../src/i18n';
import { createLogger } from '../../src/log';
import { createMetrics } from '../../src/metrics';
import { HopTrail } from '../../src/services/hop-trail';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import type { Database } from '../../src/store/sql';
import { USSD_PATH, USSD_TEST_TOKEN, UssdPhone, optionNumber } from '../support/app';
import { databaseBackends } from '../support/stores';
import { startCentres, type CentreHarness } from './support';

/**
 * Finishing a USSD screen by SMS: a screen of more pages than USSD_SMS_FINISH_PAGES is also
 * texted whole, once per session; a hop slower than USSD_SMS_FINISH_AFTER_MS ends at once with
 * "we will send the answer by SMS" and the answer follows through the outbox.
 */
const screen = (body: string[], options: string[] = [], final = false): ResolvedScreen => ({
  body,
  options: options.map((label, index) => ({ number: index + 1, label })),
  expect: { kind: options.length > 0 ? 'choice' : 'none' },
  back: !final,
  final,
  nav: { more: 'More', back: 'Back' },
  locale: 'en',
});

describe('a screen as one SMS', () => {
  it('keeps paragraphs and numbered options, and cuts at a line to fit the parts allowed', () => {
    expect(smsText(screen(['Choose a service'], ['Crisis assistance', 'PWD ID card']), 3)).toBe('Choose a service\n1 Crisis assistance\n2 PWD ID card');
    const long = screen(['Requirements'], Array.from({ length: 40 }, (_, index) => `Document number ${index + 1} to bring`));
    const text = smsText(long, 2);
    expect(text.length).toBeLessThanOrEqual(306);
    expect(text).toMatch(/\n\.\.$/);
  });

  it('cuts where cutting line by line would, however long the list (a property, against the plain definition)', () => {
    const byLines = (shown: ResolvedScreen, maxSegments: number, asSent: (text: string) => string) => {
      const lines = [...shown.body, ...shown.options.map((option) => `${option.number} ${option.label}`)];
      for (let count = lines.length; count > 0; count--) {
        const text = count === lines.length ? lines.join('\n') : `${lines.slice(0, count).join('\n')}\n..`;
        if (smsSize(asSent(text)).segments <= maxSegments) return text;
      }
      return lines[0] ?? '';
    };
    const line = fc.stringMatching(/^[A-Za-z0-9 ,.ñ্কা]{1,90}$/);
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 3 }), fc.array(line, { maxLength: 60 }), fc.integer({ min: 1, max: 4 }), fc.boolean(), (body, options, parts, stamped) => {
        const asSent = (text: string) => (stamped ? `${text}\nTo check it is from Lingkod, text VERIFY KX7M2Q` : text);
        const shown = screen(body, options);
        expect(smsText(shown, parts, asSent)).toBe(byLines(shown, parts, asSent));
      }),
      { numRuns: 300 },
    );
  });

  it('says "we will send it by SMS" within one USSD page in every language, the note above a screen in half of one', () => {
    const i18n = createI18n('en');
    const page = { gsm7: 182, ucs2: 80 };
    for (const locale of SUPPORTED_LOCALES) {
      const size = (key: string) => {
        const text = translate(i18n, locale, { key });
        const encoding = encodingOf(text);
        return { units: encodedLength(text, encoding), page: page[encoding] };
      };
      const late = size('ussd.sms_later');
      const again = size('ussd.late_dial_again');
      const rest = size('ussd.sms_rest');
      expect({ locale, lateFits: late.units <= late.page, againFits: again.units <= again.page, restFitsHalf: rest.units <= rest.page / 2 }).toEqual({
        locale,
        lateFits: true,
        againFits: true,
        restFitsHalf: true,
      });
    }
  });
});

describe.each(databaseBackends())('finishing USSD by SMS, records on $name', (backend) => {
  let db: Database;
  let h: CentreHarness;

  beforeAll(async () => {
    db = await backend.open();
    // Texting every screen over one page: the language menu is kept to one (six languages, one in Bangla script, take two).
    h = await startCentres(db, { USSD_SMS_FINISH_PAGES: '1', LANGUAGES: 'en,fil,bn' });
  });
  afterAll(async () => {
    await h.context.close();
  });

  const notices = (address: string) => db.query<{ body: string; channel: string; priority: number }>(`SELECT body, channel, priority FROM outbox WHERE address = $1 AND kind = 'notice' ORDER BY id`, [address]);

  it('texts a screen too long for USSD once, says so on its first page, and lets the citizen page on', async () => {
    const phone = new UssdPhone(h.app, '+639171236001');
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'English'));
    await phone.press(optionNumber(phone.last, 'Services'));
    await phone.press(optionNumber(phone.last, 'Civil registry'));
    const first = await phone.press(optionNumber(phone.last, /Late/));
    expect(first).toMatch(/^CON We will send the rest by SMS\.\n/);
    expect(first).toMatch(/\n98 More\n0 Back$/);
    const [sms] = await notices('tel:+639171236001');
    expect(sms.channel).toBe('sms');
    expect(sms.priority).toBe(1);
    expect(sms.body).toMatch(/^Late .+\nBring: .+\n(.+\n)+1 Apply now\nTo check it is from Lingkod, text VERIFY [A-Z2-9]{6}$/);
    expect(sms.body).not.toContain('We will send');

    // Paging on through the same screen, and the gateway retrying a hop, send nothing more.
    expect(await phone.press('98')).not.toContain('We will send');
    await phone.retry();
    expect(await notices('tel:+639171236001')).toHaveLength(1);
  });

  it('texts a long list within the parts allowed as it will be sent, its verification line included, in every language', () => {
    for (const locale of SUPPORTED_LOCALES) {
      // Lines in the locale's own script (a Bangla list is UCS-2, 67 characters a part).
      const word = translate(h.context.i18n, locale, { key: 'nav.more' });
      const centres = Array.from({ length: 1244 }, (_, index) => `${word} ${index + 1}, Barangay Poblacion, Cotabato City`);
      const asSent = (text: string) => h.context.outbox.asSent(text, 'notice', locale);
      const text = smsText({ ...screen(['Centres'], centres), locale }, 3, asSent);
      const shown = text.split('\n').length - 2;
      expect({ locale, cut: text.endsWith('\n..'), within: smsSize(asSent(text)).segments <= 3 }).toEqual({ locale, cut: true, within: true });
      // And as many as fit: one centre more would not.
      const oneMore = `${text.slice(0, -3)}\n${shown + 1} ${centres[shown]}\n..`;
      expect(smsSize(asSent(oneMore)).segments).toBeGreaterThan(3);
    }
  });

  it('texts nothing for a screen that fits', async () => {
    const phone = new UssdPhone(h.app, '+639171236002');
    await phone.dial();
    await phone.press(optionNumber(phone.last, 'English'));
    await phone.press(optionNumber(phone.last, 'Services'));
    await phone.press(optionNumber(phone.last, 'Social welfare'));
    expect(phone.last).not.toContain('SMS');
    expect(await notices('tel:+639171236002')).toEqual([]);
  });

  /** The USSD adapter over an engine whose turns end when the test says, finishing by SMS after `afterMs`. */
  function slowUssd({ smsOn = true, afterMs = 50, budget = h.context.unsolicitedSms as SmsFinishOptions['budget'] } = {}) {
    const turns: { resolve(reply: Reply): void; reject(error: Error): void }[] = [];
    const engine = {
      turn: (_inbound: unknown, paginate: Paginator) =>
        new Promise<Reply>((resolve, reject) => {
          turns.push({
            resolve: (reply) => {
              const pages = reply.screen ? paginate(reply.screen) : undefined;
              resolve({ ...reply, text: pages ? pages[0].text : reply.text, pageCount: pages?.length });
            },
            reject,
          });
        }),
    } as unknown as DialogEngine;
    const config = loadConfig({ LOG_LEVEL: 'silent', USSD_TOKEN: USSD_TEST_TOKEN });
    const log = createLogger('silent');
    const finish = new SmsFinisher({
      outbox: h.context.outbox,
      store: new MemoryEphemeralStore(),
      i18n: h.context.i18n,
      log,
      defaultLocale: 'en',
      smsOn: () => smsOn,
      pages: 3,
      afterMs,
      maxSegments: 3,
      budget,
    });
    const app = express();
    const metrics = createMetrics();
    const { context } = h;
    const ussd = new UssdConversation({
      ...context,
      config,
      engine,
      log,
      metrics,
      trail: new HopTrail(db, log),
      budget,
      finish,
      smsOn: () => smsOn,
      nudge: () => undefined,
    });
    const conversation = { ...context.conversation, config, ussd } as Conversation;
    app.use(africasTalkingUssd({ config, conversation, i18n: context.i18n, log, metrics, outbox: context.outbox }).router);
    // `.then` sends the hop at once (a supertest request waits to be awaited otherwise).
    const hop = (phoneNumber: string) =>
      request(app)
        .post(USSD_PATH)
        .type('form')
        .send({ sessionId: `ATUid_${phoneNumber}`, serviceCode: '*347#', phoneNumber, networkCode: '51502', text: '1*1' })
        .then((response) => response);
    /** Resolves once the adapter has asked the engine for a turn. */
    const turnAsked = () => until(async () => turns.length > 0);
    return { turns, hop, turnAsked };
  }

  /** Waits (a bounded while: the test fails rather than hangs) until `ready` says so. */
  async function until(ready: () => Promise<boolean>): Promise<void> {
    for (let tries = 0; tries < 1000; tries++) {
      if (await ready()) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('waited in vain');
  }

  /** Waits until the outbox holds a notice for `address` (the late turn finishes in the background). */
  async function noticeFor(address: string): Promise<string> {
    const notice = () => db.query<{ body: string }>(`SELECT body FROM outbox WHERE address = $1 AND kind = 'notice'`, [address]);
    await until(async () => (await notice()).length > 0);
    return (await notice())[0].body;
  }

  it('ends a hop slower than the gateway waits with "we will send the answer by SMS", and texts the answer when it comes', async () => {
    const ussd = slowUssd();
    const answer = await ussd.hop('+639171237001');
    expect(answer.text).toBe('END This is taking longer than usual. We will send the answer by SMS.');
    ussd.turns[0].resolve({ text: '', final: true, screen: screen(['Request for Crisis assistance (AICS) received. Your reference is 4821-7730-953.'], [], true) });
    expect(await noticeFor('tel:+639171237001')).toMatch(/^Request for Crisis assistance \(AICS\) received\. Your reference is 4821-7730-953\.\nTo check it is from Lingkod, text VERIFY [A-Z2-9]{6}$/);
  });

  it('texts an apology when the late turn fails, so the promise of an SMS is kept', async () => {
    const ussd = slowUssd();
    expect((await ussd.hop('+639171237002')).text).toMatch(/^END This is taking longer/);
    ussd.turns[0].reject(new Error('ministry system down'));
    expect(await noticeFor('tel:+639171237002')).toMatch(/^Sorry, the service is busy\. Please dial again in a few minutes\.\n/);
  });

  it('ends a slow hop the budget refuses with "please dial again", and texts nothing when its turn ends', async () => {
    const refusing: SmsFinishOptions['budget'] = { take: async () => ({ allowed: false, reason: 'number' }) };
    const ussd = slowUssd({ budget: refusing });
    expect((await ussd.hop('+639171237005')).text).toBe('END This is taking longer than usual. Please dial again in a few minutes.');
    ussd.turns[0].resolve({ text: '', final: true, screen: screen(['Request for Crisis assistance (AICS) received. Your reference is 4821-7730-953.'], [], true) });
    const failing = slowUssd({ budget: refusing });
    expect((await failing.hop('+639171237006')).text).toMatch(/^END This is taking longer than usual\. Please dial again/);
    failing.turns[0].reject(new Error('ministry system down'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await db.query(`SELECT id FROM outbox WHERE address IN ('tel:+639171237005', 'tel:+639171237006')`)).toEqual([]);
  });

  it('pages a long screen the budget refuses on over USSD, in the citizen\'s language, promising nothing', async () => {
    const ussd = slowUssd({ afterMs: 30_000, budget: { take: async () => ({ allowed: false, reason: 'gateway' }) } });
    const long = screen(
      ['Mga kailangan sa huling pagpaparehistro ng kapanganakan'],
      Array.from({ length: 20 }, (_, index) => `Dokumento bilang ${index + 1} na dadalhin`),
    );
    const hop = ussd.hop('+639171237007');
    await ussd.turnAsked();
    ussd.turns[0].resolve({ text: '', final: false, screen: { ...long, locale: 'fil' } });
    const answer = (await hop).text;
    expect(answer).toMatch(/^CON Mga kailangan/);
    expect(answer).not.toContain('SMS');
    expect(await db.query(`SELECT id FROM outbox WHERE address = 'tel:+639171237007'`)).toEqual([]);
  });

  it('answers a hop in time as usual, and without SMS never races the gateway at all', async () => {
    const ussd = slowUssd({ afterMs: 30_000 });
    const quick = ussd.hop('+639171237003');
    await ussd.turnAsked();
    ussd.turns[0].resolve({ text: '', final: false, screen: screen(['Choose a category'], ['Health']) });
    expect((await quick).text).toBe('CON Choose a category\n1 Health\n0 Back');

    const offline = slowUssd({ smsOn: false });
    const slow = offline.hop('+639171237004');
    await offline.turnAsked();
    // Well past the 50 ms deadline: with SMS off there is none, so the screen comes when ready.
    await new Promise((resolve) => setTimeout(resolve, 120));
    offline.turns[0].resolve({ text: '', final: false, screen: screen(['Choose a category'], ['Health']) });
    expect((await slow).text).toBe('CON Choose a category\n1 Health\n0 Back');
    expect(await db.query(`SELECT id FROM outbox WHERE address IN ('tel:+639171237003', 'tel:+639171237004')`)).toEqual([]);
  });
});
