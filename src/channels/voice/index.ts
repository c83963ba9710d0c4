import type { Channel, ChannelDeps } from '../channel';
import { twilioVoice, twilioVoiceConfigured, type RecordedPrompts } from '../twilio/voice';

/**
 * The voice channels this configuration turns on: Twilio Programmable Voice while VOICE_FROM,
 * TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and PUBLIC_URL are set. Off, it says so once at start-up.
 */
export function voiceChannels(deps: ChannelDeps & { prompts: RecordedPrompts }): Channel[] {
  if (twilioVoiceConfigured(deps.config)) return [twilioVoice(deps)];
  deps.log.info('the voice line is off: set VOICE_FROM, TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and PUBLIC_URL to turn it on');
  return [];
}
