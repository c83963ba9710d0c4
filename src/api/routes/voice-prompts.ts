import { z } from 'zod';
import { SUPPORTED_LOCALES } from '../../config';
import type { AdminServices } from '../../services/admin';
import { PROMPT_MAX_BYTES, PROMPT_TYPES } from '../../services/voice-prompts';
import { route, type Route } from '../route';

/** Recordings of the voice line's prompts (issue 21), one per string and locale. */
export function voicePromptRoutes(services: AdminServices): Route[] {
  return [
    route({
      operationId: 'uploadVoicePrompt',
      method: 'put',
      path: '/voice/prompts/:locale/:key',
      tag: 'voice',
      summary: 'Upload the recording of one string in one locale',
      description:
        'The voice line plays it instead of text-to-speech wherever it says exactly that string (a menu title, "press 0 to go back"), for as long as the translation reads as it did at upload. Strings with placeholders cannot be recorded. Base64 in JSON, at most 64 KB of audio.',
      superAdminOnly: true,
      params: z.strictObject({
        locale: z.enum(SUPPORTED_LOCALES),
        key: z.string().regex(/^([a-z]+:)?[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'must be an i18n key, e.g. menu.title or voice:press_back'),
      }),
      body: z.strictObject({
        contentType: z.enum(PROMPT_TYPES),
        audio: z.base64().describe(`the recording, base64; at most ${PROMPT_MAX_BYTES} bytes once decoded`),
      }),
      response: z.object({ locale: z.string(), key: z.string(), text: z.string().describe('what the recording should say'), bytes: z.number().int() }),
      handle: ({ actor, params, body }) =>
        services.prompts.upload(actor, { locale: params.locale, key: params.key, contentType: body.contentType, audio: Buffer.from(body.audio, 'base64') }),
    }),
  ];
}
