import { createLogger, maskDigits } from '../src/log';
import { LogCapture } from './support/app';

describe('the logger', () => {
  it('masks phone numbers in every form, keeping the last three digits', () => {
    expect(maskDigits('from +639171234567')).toBe('from +***567');
    expect(maskDigits('tel:639171234567 and 0917-123-4567')).toBe('tel:***567 and ***567');
    expect(maskDigits('page 98 of 12')).toBe('page 98 of 12');
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
