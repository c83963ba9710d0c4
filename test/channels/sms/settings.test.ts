import { ConfigError, loadConfig } from '../../../src/config';
import { kannelConfigured } from '../../../src/channels/kannel/kannel';
import { twilioConfigured } from '../../../src/channels/twilio/twilio';

const KANNEL = {
  KANNEL_SENDSMS_URL: 'http://kannel:13013/cgi-bin/sendsms',
  KANNEL_USERNAME: 'lingkod',
  KANNEL_PASSWORD: 'secret',
  KANNEL_TOKEN: 'a-long-enough-token',
};
const TWILIO = { TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32), TWILIO_AUTH_TOKEN: 'token', TWILIO_FROM: '+15005550006', PUBLIC_URL: 'https://lingkod.example.gov.ph' };

describe('SMS settings', () => {
  it('default to 3 parts a reply, 15 minutes of conversation, 10 replies a minute, and conservative send rates', () => {
    expect(loadConfig({})).toMatchObject({
      SMS_MAX_SEGMENTS: 3,
      SMS_SESSION_TTL: 900,
      SMS_REPLIES_PER_MINUTE: 10,
      KANNEL_RATE_PER_SECOND: 10,
      TWILIO_RATE_PER_SECOND: 1,
      ALLOWED_COUNTRY_CODES: ['63', '880'],
    });
  });

  it('refuse a Kannel token too short to be a secret, without echoing it', () => {
    expect(() => loadConfig({ KANNEL_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ KANNEL_TOKEN: 'short' })).toThrow(/^KANNEL_TOKEN: must be at least 16 characters$/m);
    expect(() => loadConfig({ KANNEL_TOKEN: 'short' })).not.toThrow(/"short"/);
  });

  it('turn Kannel on only with all four of its settings', () => {
    expect(kannelConfigured(loadConfig(KANNEL))).toBe(true);
    for (const name of Object.keys(KANNEL)) expect(kannelConfigured(loadConfig({ ...KANNEL, [name]: '' }))).toBe(false);
  });

  it('turn Twilio on only with its three settings and PUBLIC_URL, which its signatures need', () => {
    expect(twilioConfigured(loadConfig(TWILIO))).toBe(true);
    for (const name of Object.keys(TWILIO)) expect(twilioConfigured(loadConfig({ ...TWILIO, [name]: '' }))).toBe(false);
  });
});
