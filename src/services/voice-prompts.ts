import { createHash } from 'node:crypto';
import type { i18n } from 'i18next';
import { translate } from '../i18n';
import { InvalidError, NotFoundError, assertSuperAdmin, type Actor } from './access';
import { recordChange } from './audit';
import type { Database } from '../store/sql';

/** The audio formats Twilio's <Play> takes that a ministry is likely to have (https://www.twilio.com/docs/voice/twiml/play). */
export const PROMPT_TYPES = ['audio/mpeg', 'audio/wav', 'audio/x-wav'] as const;
/** Largest recording kept: about 15 s of 32 kbit/s MP3, longer than any one prompt sentence. */
export const PROMPT_MAX_BYTES = 64 * 1024;
/** How long the list of recorded texts is trusted before it is read again (an upload on another instance). */
const REFRESH_MS = 60_000;

/** The hash a recording is found by: the locale's text it says. */
export const textHash = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Recorded prompts: a ministry's recording of one string in one locale, played instead of
 * text-to-speech wherever the voice line says exactly that text. Uploaded by super-admin keys
 * (the recording speaks for every ministry), each upload in the audit log.
 */
export class VoicePromptService {
  private recorded?: { at: number; hashes: Set<string> };

  constructor(
    private readonly db: Database,
    private readonly i18n: i18n,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Keeps `audio` as the recording of `key` in `locale`, for the text the key has now; replaces an older one. */
  async upload(actor: Actor, input: { locale: string; key: string; contentType: string; audio: Buffer }): Promise<{ locale: string; key: string; text: string; bytes: number }> {
    assertSuperAdmin(actor, 'upload voice prompts');
    const text = translate(this.i18n, input.locale, { key: input.key });
    // i18next answers an unknown key with the key itself.
    if (text === input.key || text === input.key.slice(input.key.indexOf(':') + 1)) throw new NotFoundError(`no string ${input.key} in ${input.locale}`);
    if (/{{/.test(text)) throw new InvalidError(`${input.key} has placeholders: a recording cannot say what they become`);
    if (input.audio.length === 0 || input.audio.length > PROMPT_MAX_BYTES) throw new InvalidError(`a recording must be 1 to ${PROMPT_MAX_BYTES} bytes`);
    await this.db.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO voice_prompts (locale, key, text_hash, content_type, audio) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (locale, key) DO UPDATE SET text_hash = EXCLUDED.text_hash, content_type = EXCLUDED.content_type, audio = EXCLUDED.audio, uploaded_at = now()`,
        [input.locale, input.key, textHash(text), input.contentType, input.audio],
      );
      await recordChange(tx, actor, { ministryCode: null, action: 'prompt.upload', target: `${input.locale}:${input.key}`, details: { bytes: input.audio.length } });
    });
    this.recorded = undefined;
    return { locale: input.locale, key: input.key, text, bytes: input.audio.length };
  }

  /** The hash to fetch a recording of `text` in `locale` by, or undefined when there is none. */
  async recordingOf(locale: string, text: string): Promise<string | undefined> {
    const now = this.now().getTime();
    if (!this.recorded || now - this.recorded.at > REFRESH_MS) {
      const rows = await this.db.query<{ locale: string; text_hash: string }>('SELECT locale, text_hash FROM voice_prompts');
      this.recorded = { at: now, hashes: new Set(rows.map((row) => `${row.locale}:${row.text_hash}`)) };
    }
    const hash = textHash(text);
    return this.recorded.hashes.has(`${locale}:${hash}`) ? hash : undefined;
  }

  /** The recording of the text with `hash` in `locale`, for Twilio to fetch. */
  async audio(locale: string, hash: string): Promise<{ contentType: string; audio: Buffer } | undefined> {
    const [row] = await this.db.query<{ content_type: string; audio: Buffer | Uint8Array }>('SELECT content_type, audio FROM voice_prompts WHERE locale = $1 AND text_hash = $2 LIMIT 1', [locale, hash]);
    return row ? { contentType: row.content_type, audio: Buffer.from(row.audio) } : undefined;
  }
}
