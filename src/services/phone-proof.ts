import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { i18n } from 'i18next';
import { translate } from '../i18n';
import type { EphemeralStore } from '../store/ephemeral';
import { sameSecret } from '../secret';

/**
 * Proof that whoever is talking holds the phone: a one-time code sent to it by SMS, typed
 * back. A USSD gateway's `phoneNumber` is only as trustworthy as the gateway's secret, so the
 * acts that cannot be undone (erasing a citizen's data, confirming a request a centre filed)
 * and showing a form's earlier answers in a new session ask for it there. The code is six
 * random digits, lives CODE_SECONDS, may be tried MAX_TRIES times, and is used once. Only a
 * salted hash is kept (in the ephemeral store), so a glance at the store (a dump, a monitor)
 * shows no live code; six digits are no secret from someone who can read the store and try
 * them all, which is why the expiry and the tries, not the hash, are the defence.
 *
 * At most one live code per phone and purpose: asking again while one lives sends nothing
 * (the citizen types the one they have), and after MAX_TRIES wrong codes nothing is sent until
 * the window ends, so a forger who can post hops as any phone can make it receive at most
 * one code per purpose every CODE_SECONDS. Every code goes out through the one `send`
 * function given at the composition root (where the unsolicited-SMS budget wraps it).
 */

/** What a code is for; named in its SMS, so an unexpected one tells the citizen what was tried. */
export type ProofPurpose = 'erase' | 'confirm' | 'resume';

/** Asking for a code: sent (or one already sent still lives), no way to send one, or too many wrong tries. */
export type ProofIssue = 'sent' | 'unavailable' | 'locked';

/** Checking a typed code. */
export type ProofCheck = { kind: 'proven' } | { kind: 'wrong' } | { kind: 'expired' } | { kind: 'locked' };

/**
 * Sends one code's text to an address; resolves false when it cannot go (no SMS provider for
 * that address, or a budget refused it). The one way a code leaves the system.
 */
export type ProofSender = (message: { address: string; body: string; locale: string }) => Promise<boolean>;

/** How long a code can be typed: long enough to read an SMS and dial again. */
export const CODE_SECONDS = 600;
/** Codes that may be typed for one live code, the right one included. */
export const MAX_TRIES = 3;

interface StoredCode {
  salt: string;
  hash: string;
}

export class PhoneProofService {
  constructor(
    private readonly deps: {
      store: EphemeralStore;
      i18n: i18n;
      send: ProofSender;
    },
  ) {}

  /** Sends a fresh code to `address` for `purpose`, in `locale`, unless one already lives. */
  async issue(address: string, purpose: ProofPurpose, locale: string): Promise<ProofIssue> {
    const { store, i18n, send } = this.deps;
    if (Number((await store.get(triesKey(address, purpose))) ?? 0) >= MAX_TRIES) return 'locked';
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const salt = randomBytes(16).toString('base64url');
    const stored: StoredCode = { salt, hash: hashOf(salt, code) };
    // Atomic across instances: of concurrent asks, one stores (and sends) a code.
    if (!(await store.setIfAbsent(codeKey(address, purpose), JSON.stringify(stored), CODE_SECONDS))) return 'sent';
    const body = translate(i18n, locale, { key: `notifications:proof.${purpose}`, params: { code, minutes: CODE_SECONDS / 60 } });
    let sent = false;
    try {
      sent = await send({ address, body, locale });
    } finally {
      if (!sent) await store.delete(codeKey(address, purpose));
    }
    return sent ? 'sent' : 'unavailable';
  }

  /** Checks a typed code; the right one proves the phone once and is then spent. */
  async check(address: string, purpose: ProofPurpose, typed: string): Promise<ProofCheck> {
    const { store } = this.deps;
    const raw = await store.get(codeKey(address, purpose));
    const tries = raw ? await store.increment(triesKey(address, purpose), CODE_SECONDS) : Number((await store.get(triesKey(address, purpose))) ?? 0);
    if (tries > MAX_TRIES || (!raw && tries >= MAX_TRIES)) return { kind: 'locked' };
    const stored = raw ? parseStored(raw) : undefined;
    if (!stored) return { kind: 'expired' };
    if (!sameSecret(stored.hash, hashOf(stored.salt, typed.trim()))) {
      return { kind: tries >= MAX_TRIES ? 'locked' : 'wrong' };
    }
    // Used once, even by two instances checking it at the same moment.
    if (!(await store.setIfAbsent(`proof-spent:${stored.salt}`, '1', CODE_SECONDS))) return { kind: 'expired' };
    await Promise.all([store.delete(codeKey(address, purpose)), store.delete(triesKey(address, purpose))]);
    return { kind: 'proven' };
  }
}

const codeKey = (address: string, purpose: ProofPurpose) => `proof:${purpose}:${address}`;
const triesKey = (address: string, purpose: ProofPurpose) => `proof-tries:${purpose}:${address}`;

function hashOf(salt: string, code: string): string {
  return createHash('sha256').update(`${salt}:${code}`).digest('base64url');
}



function parseStored(raw: string): StoredCode | undefined {
  try {
    const parsed = JSON.parse(raw) as StoredCode;
    return typeof parsed.salt === 'string' && typeof parsed.hash === 'string' ? parsed : undefined;
  } catch {
    return undefined;
  }
}
