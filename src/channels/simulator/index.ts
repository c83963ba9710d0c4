import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { SUPPORTED_LOCALES } from '../../config';
import { asset, ICON_SVG, webPageHeaders } from '../../http/html';
import { translate } from '../../i18n';
import { isAllowedCountry, phoneAddress, phoneNumberOf } from '../../address';
import type { Database } from '../../store/sql';
import { paginate } from '../../text/pages';
import { clockTime } from '../../text/dates';
import { smsSize } from '../../text/segments';
import type { ChannelDeps, SendingChannel } from '../channel';
import { SimulatorInbox } from './inbox';
import { SimulatedChat } from './chat';
import { ussdScreen } from './layouts';
import { simulatorPage } from './page';
import { PHONE_CSS } from './phone-css';
import { phoneScript } from './phone-script';
import { voicePages } from '../voice/pages';

/**
 * The phone simulator: a channel like the others, whose "provider" is a web page. The page at
 * `/simulator` is a feature phone that dials USSD codes, texts and chats; its JSON endpoints
 * turn what it sends into `Inbound`s for the same dialog engine and lay replies out with the
 * same functions as the real adapters (USSD pages at USSD_MAX_CHARS, SMS segments). `send()`
 * puts status updates and announcements in the phone's inbox, which the page polls.
 *
 * Simulated phones have their own addresses (`sim:+63…`), so a number typed here is never a
 * real citizen's: nobody can read a real citizen's requests or divert their updates through
 * the simulator. Everything travels in POST bodies, never in URLs. It needs no configuration.
 */
export interface SimulatorDeps extends ChannelDeps {
  db: Database;
}

/** The simulator's outbound rate: it writes to its own table, so only the database limits it. */
const SIMULATOR_RATE_PER_SECOND = 200;

/** The recorded channel of everything the simulator's phones send. */
const CHANNEL = 'simulator';

const phoneField = z.string().trim().min(3).max(25);
const ussdSchema = z.object({
  phone: phoneField,
  /** The page's id for one dial; a new id is a new network session. */
  session: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  /** Hops in this session so far (0 for the dial itself); with the session, identifies a hop. */
  hop: z.number().int().min(0).max(1000),
  input: z.string().max(200).default(''),
});
const voiceSchema = z.object({
  phone: phoneField,
  /** The page's id for one call. */
  call: z.string().regex(/^[A-Za-z0-9-]{8,64}$/),
  /** The step the keys answer (0 for the call itself), as the last answer said. */
  step: z.number().int().min(0).max(10_000),
  /** Keys pressed; absent on the call itself, '' when the caller let the prompt time out. */
  digits: z.string().regex(/^[0-9*#]{0,40}$/).optional(),
});
const messageSchema = z.object({ phone: phoneField, text: z.string().trim().min(1).max(1600) });
const inboxSchema = z.object({ phone: phoneField, after: z.number().int().min(0).default(0) });
const phoneSchema = z.object({ phone: phoneField, locale: z.enum(SUPPORTED_LOCALES).optional() });

/** The simulator channel: its page, its JSON endpoints, and its inbox as the channel's `send`. */
export function simulatorChannel(deps: SimulatorDeps): SendingChannel & { inbox: SimulatorInbox } {
  const { config, conversation, i18n, outbox } = deps;
  const inbox = new SimulatorInbox(deps.db, outbox);
  const ussdLimits = { gsm7: config.USSD_MAX_CHARS, ucs2: config.USSD_MAX_CHARS_UCS2 };
  const unavailable = () => translate(i18n, config.DEFAULT_LOCALE, { key: 'engine.unavailable' });
  const router = express.Router();
  const json = express.json({ limit: '8kb' });
  const pageHeaders = webPageHeaders();

  /** Parses a body, or answers 400 with the fields at fault and returns undefined. */
  function parse<T extends z.ZodType>(schema: T, req: Request, res: Response): (z.infer<T> & { address: string }) | undefined {
    const parsed = schema.safeParse(req.body ?? {});
    if (!parsed.success) {
      const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || 'body'))].join(', ');
      res.status(400).json({ error: `Check ${fields} (send JSON with Content-Type: application/json)` });
      return undefined;
    }
    const data = parsed.data as z.infer<T> & { phone: string };
    const tel = phoneAddress(data.phone);
    if (!tel) {
      res.status(400).json({ error: 'phone is not a valid phone number' });
      return undefined;
    }
    if (!isAllowedCountry(tel, config.ALLOWED_COUNTRY_CODES)) {
      res.status(400).json({ error: `phone must have one of these country codes: ${config.ALLOWED_COUNTRY_CODES.map((code) => `+${code}`).join(', ')}` });
      return undefined;
    }
    return { ...data, address: `sim:${phoneNumberOf(tel)}` };
  }

  const chat = new SimulatedChat(deps, CHANNEL);

  router.get('/simulator', pageHeaders, (_req: Request, res: Response) => {
    res.type('html').send(simulatorPage({ ussdLimits, locales: SUPPORTED_LOCALES }));
  });
  router.get('/simulator/phone.js', asset('text/javascript', `(${phoneScript.toString()})();\n`));
  router.get('/simulator/phone.css', asset('text/css', PHONE_CSS));
  router.get('/simulator/icon.svg', asset('image/svg+xml', ICON_SVG));

  router.post('/simulator/ussd', json, async (req, res) => {
    const hop = parse(ussdSchema, req, res);
    if (!hop) return;
    try {
      const reply = await conversation.turns.run(
        { channel: CHANNEL, address: hop.address, text: hop.input, session: `sim:${hop.session}`, hopKey: `${hop.session}:${hop.hop}` },
        (screen) => paginate(screen, ussdLimits),
      );
      res.json(ussdScreen(reply.text, reply.final, ussdLimits));
    } catch {
      // Logged and counted by the turn; the phone shows what a gateway would.
      res.json(ussdScreen(unavailable(), true, ussdLimits));
    }
  });

  // A call to the voice line: the same steps as Twilio's webhook, the prompts as text (the page may speak them).
  router.post('/simulator/voice', json, async (req, res) => {
    const step = parse(voiceSchema, req, res);
    if (!step) return;
    const person = conversation.voice.handoverOpen();
    const digits = step.digits?.replace(/#/g, '');
    const answer = await conversation.voice.step({ call: `sim-${step.call}`, phone: step.phone, calledBack: false, simulated: true, step: step.step, digits }, (screen) =>
      voicePages(screen, { i18n, seconds: config.VOICE_SCREEN_SECONDS, wordsPerMinute: config.VOICE_WORDS_PER_MINUTE, person, languages: conversation.voice.locales }),
    );
    if (!answer) {
      res.status(400).json({ error: 'phone is not a valid phone number' });
      return;
    }
    res.json({
      lines: answer.lines.map((line) => ({ text: line.text, lang: config.VOICE_SAY[line.locale]?.language ?? line.locale })),
      step: answer.gather?.step ?? null,
      oneKey: answer.gather?.numDigits === 1,
      dial: answer.dial ?? null,
    });
  });

  router.post('/simulator/sms', json, async (req, res) => {
    const message = parse(messageSchema, req, res);
    if (!message) return;
    const outcome = await conversation.sms.answer({ address: message.address, channel: CHANNEL, text: message.text, proven: false, limitFloods: false });
    const replies = outcome.kind === 'reply' ? [outcome.text] : [];
    res.json({ replies: replies.map((text) => ({ text, ...smsSize(text) })) });
  });

  router.post('/simulator/chat', json, async (req, res) => {
    const message = parse(messageSchema, req, res);
    if (!message) return;
    res.json((await chat.receive(message.address, message.text)) ?? { text: unavailable(), buttons: [], final: true });
  });

  router.post('/simulator/inbox', json, async (req, res) => {
    const query = parse(inboxSchema, req, res);
    if (!query) return;
    const messages = await inbox.fetch(query.address, query.after);
    // Times as the deployment's clock reads them (TIME_ZONE), like every time a person reads, never the browser's.
    res.json({ messages: messages.map((message) => ({ ...message, receivedTime: clockTime(message.receivedAt, config.TIME_ZONE), ...smsSize(message.body) })) });
  });

  router.post('/simulator/phone', json, async (req, res) => {
    const choice = parse(phoneSchema, req, res);
    if (!choice) return;
    if (choice.locale) {
      await conversation.contacts.setLanguage(choice.address, CHANNEL, choice.locale);
      await conversation.turns.forget(choice.address);
    }
    res.json({ number: choice.address.slice('sim:'.length), locale: choice.locale ?? null });
  });

  return {
    name: CHANNEL,
    router,
    ratePerSecond: SIMULATOR_RATE_PER_SECOND,
    inbox,
    async send(message) {
      return { providerId: await inbox.deliver(message) };
    },
  };
}
