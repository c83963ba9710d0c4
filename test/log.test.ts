import { createLogger, maskDigits, scrubText } from '../src/log';
import { LogCapture } from './support/app';

describe('the logger', () => {
  it('masks phone numbers in every form, keeping the last three digits', () => {
    expect(maskDigits('from +639171234567')).toBe('from +***567');
    expect(maskDigits('tel:639171234567 and 0917-123-4567')).toBe('tel:***567 and ***567');
    expect(maskDigits('page 98 of 12')).toBe('page 98 of 12');
  });

  it('keeps calendar dates and times readable (an officer reads when, not who) while masking a phone beside them', () => {
    expect(maskDigits('due 2026-12-04T08:30:00.000Z for +639171234567')).toBe('due 2026-12-04T08:30:00.000Z for +***567');
    expect(maskDigits('day 2026-12-04, call 0917-123-4567')).toBe('day 2026-12-04, call ***567');
    // A phone written as digits only is never taken for a date.
    expect(maskDigits('20261204')).toBe('***204');
  });

  it('masks phone numbers in messages and fields, and hides secrets and message bodies', () => {
    const capture = new LogCapture();
    const log = createLogger('info', capture).child({ name: 'test' });
    log.info({ address: 'tel:+639171234567', token: 'abc123', text: 'my name is Amina', nested: { phone: '+8801712345678' } }, 'hop from +639171234567');
    log.error({ err: new Error('lookup of +639179999999 failed') }, 'failed');
    const all = capture.lines.join('\n');
    expect(all).not.toMatch(/9171234567|8801712345678|9179999999/);
    expect(all).not.toContain('abc123');
    expect(all).not.toContain('Amina');
    expect(all).toContain('+***567');
    expect(all).toContain('[16 chars]');
  });
});

describe('the logger and URLs', () => {
  const token = 'gw-Secret-0123456789abcdefghijKLMN';

  it('drops the query string of any URL or path, and the value of any token= parameter', () => {
    const capture = new LogCapture();
    const log = createLogger('info', capture).child({ name: 'test' });
    log.info({ url: `/ussd/africastalking?token=${token}`, callback: `https://lingkod.example/sms/kannel?token=${token}&from=%2B639171234567` }, `POST /ussd/africastalking?token=${token} refused`);
    log.error({ err: Object.assign(new Error(`request to http://127.0.0.1:13013/cgi-bin/sendsms?username=u&password=${token} failed`), { status: 502 }) }, 'send failed');
    log.warn(`retrying with token=${token} soon`);
    const all = capture.lines.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain('username=u');
    expect(all).toContain('/ussd/africastalking?[query redacted]');
    expect(all).toContain('token=[redacted]');
  });

  it('leaves ordinary text alone', () => {
    expect(scrubText('Is the office open? Yes')).toBe('Is the office open? Yes');
    expect(scrubText('dialled *347# and pressed 1*2')).toBe('dialled *347# and pressed 1*2');
    expect(scrubText('at file:///work/src/log.ts:12:3')).toBe('at file:///work/src/log.ts:12:3');
  });
});
