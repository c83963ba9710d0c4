import express, { type Request, type Response } from 'express';
import type twilioSdk from 'twilio';
import type VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import type { Config } from '../../config';
import type { VoiceAnswer, VoiceCallEnd } from '../../conversation/voice';
import type { Channel, ChannelDeps } from '../channel';
import { voicePages } from '../voice/pages';
import { twilioSignatureCheck } from './signature';

/** The channel name of the voice line (metrics, logs, citizens' contact records). */
export const VOICE_CHANNEL = 'voice';

/** Voice is on when Twilio's account, token, the voice number and the public URL (to check signatures) are set. */
export function twilioVoiceConfigured(config: Config): boolean {
  return Boolean(config.TWILIO_ACCOUNT_SID && config.TWILIO_AUTH_TOKEN && config.VOICE_FROM && config.PUBLIC_URL);
}

/** The recorded prompts (services/voice-prompts.ts): which texts have a recording, and its audio. */
export interface RecordedPrompts {
  recordingOf(locale: string, text: string): Promise<string | undefined>;
  audio(locale: string, hash: string): Promise<{ contentType: string; audio: Buffer } | undefined>;
}

export interface TwilioVoiceDeps extends ChannelDeps {
  prompts: RecordedPrompts;
  /** A ready client; by default one is made from the configuration. */
  client?: twilioSdk.Twilio;
}

/** Twilio types <Say>'s language and voice as the lists it knew when the package was built; VOICE_SAY may name newer ones. */
type Say = VoiceResponse.SayAttributes;

const CALL_SID = /^CA[0-9a-fA-F]{32}$/;
/** Keys a keypad sends: digits, `*` and `#` (Twilio strips the finishing `#`). */
const KEYS = /^[0-9*#]{0,40}$/;
/** Twilio's call statuses, as the conversation layer names them; https://www.twilio.com/docs/voice/api/call-resource#call-status-values */
const CALL_STATUS: Record<string, VoiceCallEnd['status']> = {
  completed: 'completed',
  'no-answer': 'no-answer',
  busy: 'busy',
  canceled: 'canceled',
  failed: 'failed',
};

/**
 * The voice line on Twilio Programmable Voice. The number's "A call comes in" webhook is
 * `POST /voice/twilio`; each answer is TwiML: the screen spoken (<Say> in the caller's
 * language with the voice VOICE_SAY names) inside a <Gather input="dtmf"> whose action is
 * `/voice/twilio?step=N`, so every step of a call is a distinct signed URL and a replayed
 * request is recognised. `POST /voice/twilio/status` is the status callback: a missed call
 * ("flash") may be called back through the REST API. Both are signed as the SMS webhook is.
 * https://www.twilio.com/docs/voice/twiml/gather, https://www.twilio.com/docs/voice/api/call-resource
 */
export function twilioVoice({ config, i18n, log, conversation, prompts, client }: TwilioVoiceDeps): Channel {
  const { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: token, VOICE_FROM: from, PUBLIC_URL: publicUrl } = config;
  if (!sid || !token || !from || !publicUrl) throw new Error('Twilio voice is not configured');
  const twilio = require('twilio') as typeof twilioSdk;
  const rest = client ?? twilio(sid, token, { timeout: 10_000 });
  const channelLog = log.child({ name: 'channels:twilio-voice' });
  const base = publicUrl.replace(/\/+$/, '');
  const signed = twilioSignatureCheck(twilio, token, publicUrl, channelLog);
  const router = express.Router();
  const form = express.urlencoded({ extended: false, limit: '64kb' });
  const voice = conversation.voice;

  /**
   * Speaks `answer` as TwiML: each line as a ministry recorded it (<Play>), else in its
   * locale's text-to-speech voice (<Say>), then a gather, a dial or the end of the call.
   */
  const twiml = async (res: Response, answer: VoiceAnswer) => {
    // Looked up before the document is built: a store away means text-to-speech, never silence.
    const recordings = await Promise.all(answer.lines.map((line) => prompts.recordingOf(line.locale, line.text).catch(() => undefined)));
    const response = new twilio.twiml.VoiceResponse();
    const speaker = answer.gather
      ? response.gather({
          input: ['dtmf'],
          action: `${base}/voice/twilio?step=${answer.gather.step}`,
          method: 'POST',
          timeout: config.VOICE_GATHER_SECONDS,
          finishOnKey: '#',
          actionOnEmptyResult: true,
          ...(answer.gather.numDigits ? { numDigits: answer.gather.numDigits } : {}),
        })
      : response;
    for (const [index, line] of answer.lines.entries()) {
      const recording = recordings[index];
      if (recording) {
        speaker.play(`${base}/voice/prompts/${line.locale}/${recording}`);
        continue;
      }
      const tts = config.VOICE_SAY[line.locale];
      speaker.say(tts ? { language: tts.language as Say['language'], voice: tts.voice as Say['voice'] } : {}, line.text);
    }
    if (answer.dial) response.dial({ timeout: 30 }, answer.dial);
    else if (!answer.gather) response.hangup();
    res.status(200).type('text/xml').send(response.toString());
  };

  /** Asks Twilio to call `number` into the same dialogs; a refusal is logged (status and code, never the number). */
  const callBack = async (number: string) => {
    try {
      await rest.calls.create({ to: number, from, url: `${base}/voice/twilio`, method: 'POST', statusCallback: `${base}/voice/twilio/status`, statusCallbackMethod: 'POST', timeout: 30 });
      channelLog.info('missed call called back');
    } catch (error) {
      const { status, code } = error as { status?: unknown; code?: unknown };
      channelLog.warn({ status, code }, 'Twilio refused the call-back');
    }
  };

  router.post('/voice/twilio', form, async (req: Request, res: Response) => {
    if (!signed(req, res)) return;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const { CallSid: call, From: caller, To: called, Direction: direction, Digits: digits } = body;
    const calledBack = direction === 'outbound-api';
    const phone = calledBack ? called : caller;
    const step = typeof req.query.step === 'string' && /^\d{1,4}$/.test(req.query.step) ? Number(req.query.step) : req.query.step === undefined ? 0 : NaN;
    if (typeof call !== 'string' || !CALL_SID.test(call) || typeof phone !== 'string' || phone.length > 40 || Number.isNaN(step) || (digits !== undefined && (typeof digits !== 'string' || !KEYS.test(digits)))) {
      res.status(400).type('text/plain').send('Bad request: check CallSid, From, To, Digits and step');
      return;
    }
    // Call-back first: the call is declined before it is answered (free for the caller) and we call back.
    if (config.VOICE_CALLBACK_FIRST === 'on' && !calledBack && step === 0 && digits === undefined) {
      const number = await voice.missed({ call, phone, inbound: true, status: 'busy' });
      if (number) {
        const response = new twilio.twiml.VoiceResponse();
        response.reject({ reason: 'busy' });
        // Answered first: the caller's line is free again before our call reaches it.
        res.status(200).type('text/xml').send(response.toString());
        await callBack(number);
        return;
      }
    }
    // The call's first request carries no Digits; a gather that heard nothing posts them empty.
    const keys = typeof digits === 'string' ? digits.replace(/#/g, '') : step === 0 ? undefined : '';
    const person = voice.handoverOpen();
    const answer = await voice.step({ call, phone, calledBack, step, digits: keys }, (screen) =>
      voicePages(screen, { i18n, seconds: config.VOICE_SCREEN_SECONDS, wordsPerMinute: config.VOICE_WORDS_PER_MINUTE, person, languages: voice.locales }),
    );
    if (!answer) {
      res.status(400).type('text/plain').send('Bad request: not a phone number');
      return;
    }
    await twiml(res, answer);
  });

  // Twilio fetches the recordings <Play> names: public, as any prompt is (no personal data).
  router.get('/voice/prompts/:locale/:hash', async (req: Request, res: Response) => {
    const { locale, hash } = req.params as Record<string, string>;
    const found = /^[a-z]{2,3}$/.test(locale) && /^[0-9a-f]{64}$/.test(hash) ? await prompts.audio(locale, hash).catch(() => undefined) : undefined;
    if (!found) {
      res.status(404).type('text/plain').send('Not found');
      return;
    }
    res.status(200).type(found.contentType).set('Cache-Control', 'public, max-age=300').send(found.audio);
  });

  router.post('/voice/twilio/status', form, async (req: Request, res: Response) => {
    if (!signed(req, res)) return;
    const { CallSid: call, CallStatus: state, CallDuration: duration, From: caller, Direction: direction } = (req.body ?? {}) as Record<string, unknown>;
    if (typeof call !== 'string' || !CALL_SID.test(call) || typeof state !== 'string' || typeof caller !== 'string' || caller.length > 40) {
      res.status(400).type('text/plain').send('Bad request: check CallSid, CallStatus, From');
      return;
    }
    const seconds = typeof duration === 'string' && /^\d{1,6}$/.test(duration) ? Number(duration) : undefined;
    const number = await voice.missed({ call, phone: caller, inbound: direction === 'inbound', status: CALL_STATUS[state] ?? 'other', seconds });
    if (number) await callBack(number);
    res.status(200).type('text/plain').send('OK');
  });

  return { name: VOICE_CHANNEL, router };
}
