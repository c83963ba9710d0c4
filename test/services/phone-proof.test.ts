import { createI18n } from '../../src/i18n';
import { CODE_SECONDS, MAX_TRIES, PhoneProofService } from '../../src/services/phone-proof';
import type { EphemeralStore } from '../../src/store/ephemeral';
import { MemoryEphemeralStore } from '../../src/store/memory-ephemeral';
import { TODAY } from '../support/app';
import { ephemeralBackends } from '../support/stores';

/** One-time codes that prove a phone: random, short-lived, few tries, single use, hashed at rest. */
describe('proving a phone by a code sent to it', () => {
  const i18n = createI18n('en');
  const ADDRESS = 'tel:+639177430001';

  function service(store: EphemeralStore = new MemoryEphemeralStore(), { sends = true } = {}) {
    const sent: { address: string; body: string; locale: string }[] = [];
    const proofs = new PhoneProofService({ store, i18n, send: async (message) => (sends ? (sent.push(message), true) : false) });
    const codeOf = (index = sent.length - 1) => /\d{6}/.exec(sent[index]?.body ?? '')?.[0] ?? '';
    return { proofs, sent, codeOf, store };
  }

  it('sends six random digits in the citizen\'s language, naming what they are for', async () => {
    const { proofs, sent, codeOf } = service();
    expect(await proofs.issue(ADDRESS, 'confirm', 'fil')).toBe('sent');
    expect(sent).toEqual([{ address: ADDRESS, locale: 'fil', body: expect.stringMatching(/^Lingkod code \d{6}: para kumpirmahin ang request/) }]);
    const codes = new Set<string>();
    for (let index = 0; index < 20; index++) {
      const other = service();
      await other.proofs.issue(ADDRESS, 'erase', 'en');
      codes.add(other.codeOf());
    }
    expect(codes.size).toBeGreaterThan(15);
    expect(codeOf()).toMatch(/^\d{6}$/);
  });

  it('forgets a code after CODE_SECONDS, and then sends a new one', async () => {
    let now = TODAY.getTime();
    const { proofs, sent, codeOf } = service(new MemoryEphemeralStore(() => now));
    await proofs.issue(ADDRESS, 'erase', 'en');
    const first = codeOf();
    now += (CODE_SECONDS + 1) * 1000;
    expect(await proofs.check(ADDRESS, 'erase', first)).toEqual({ kind: 'expired' });
    expect(await proofs.issue(ADDRESS, 'erase', 'en')).toBe('sent');
    expect(sent).toHaveLength(2);
    expect(await proofs.check(ADDRESS, 'erase', codeOf())).toEqual({ kind: 'proven' });
  });

  it('keeps codes of one purpose from proving another', async () => {
    const { proofs, codeOf } = service();
    await proofs.issue(ADDRESS, 'resume', 'en');
    expect(await proofs.check(ADDRESS, 'erase', codeOf())).toEqual({ kind: 'expired' });
    expect(await proofs.check(ADDRESS, 'resume', codeOf())).toEqual({ kind: 'proven' });
  });

  it('says unavailable, and keeps no code, when nothing can send it', async () => {
    const { proofs, store } = service(new MemoryEphemeralStore(), { sends: false });
    expect(await proofs.issue(ADDRESS, 'erase', 'en')).toBe('unavailable');
    expect(await store.get(`proof:erase:${ADDRESS}`)).toBeNull();
  });

  describe.each(ephemeralBackends())('shared by instances through $name', (backend) => {
    it(`sends one code to concurrent asks, proves it once to concurrent checks, and locks after ${MAX_TRIES} tries`, async () => {
      const store = backend.open();
      try {
        const { proofs, sent, codeOf } = service(store);
        const asks = await Promise.all(Array.from({ length: 20 }, () => proofs.issue(ADDRESS, 'erase', 'en')));
        expect(asks.every((outcome) => outcome === 'sent')).toBe(true);
        expect(sent).toHaveLength(1);
        const code = codeOf();
        expect(await store.get(`proof:erase:${ADDRESS}`)).not.toContain(code);
        const checks = await Promise.all([proofs.check(ADDRESS, 'erase', code), proofs.check(ADDRESS, 'erase', code)]);
        expect(checks.filter((check) => check.kind === 'proven')).toHaveLength(1);
        expect(await proofs.check(ADDRESS, 'erase', code)).toEqual({ kind: 'expired' });

        await proofs.issue(ADDRESS, 'confirm', 'en');
        const wrong = codeOf() === '000000' ? '111111' : '000000';
        expect(await proofs.check(ADDRESS, 'confirm', wrong)).toEqual({ kind: 'wrong' });
        expect(await proofs.check(ADDRESS, 'confirm', wrong)).toEqual({ kind: 'wrong' });
        expect(await proofs.check(ADDRESS, 'confirm', wrong)).toEqual({ kind: 'locked' });
        // Locked: even the right code, and no new code is sent.
        expect(await proofs.check(ADDRESS, 'confirm', codeOf())).toEqual({ kind: 'locked' });
        expect(await proofs.issue(ADDRESS, 'confirm', 'en')).toBe('locked');
        expect(sent).toHaveLength(2);
      } finally {
        await store.close();
      }
    });
  });
});
