import type { Request } from 'express';
import type { EphemeralStore } from '../store/ephemeral';

/** Refusals are counted in windows of this length (15 minutes). */
export const AUTH_WINDOW_SECONDS = 15 * 60;

/** Too many refused keys or sign-ins: 429, with the seconds to wait. */
export class ThrottledError extends Error {
  override readonly name = 'ThrottledError';
  readonly status = 429;
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
    /** Whose refusals ran over: this client's, or everyone's together. */
    readonly scope: 'client' | 'total',
  ) {
    super(message);
  }
}

/** What the throttle allows in a window: refusals per client address, and from everyone together. */
export interface AuthLimits {
  perClient: number;
  total: number;
}

/**
 * Guessing API keys, through `Authorization: Bearer` or the console's sign-in form: one
 * mechanism for both, counted in the ephemeral store so every instance shares the counts
 * (AUTH_FAILURES_PER_CLIENT and AUTH_FAILURES_TOTAL per 15 minutes). A key is 256 random bits,
 * so this is not what keeps keys safe; it keeps a script from making us hash and look up keys
 * without end, and makes a leaked prefix or a typo'd key list noisy rather than free.
 *
 * A client past its own limit is refused before its key is read, whatever key it sends. Past
 * the total (a guess spread over many addresses), unknown keys get 429 while known keys still
 * work, so a distributed guesser cannot lock officers out. The client is `req.ip`: the socket's
 * address unless TRUST_PROXY says which forwarded addresses to believe, so a made-up
 * X-Forwarded-For neither escapes the limit nor spends another client's.
 */
export class AuthThrottle {
  constructor(
    private readonly store: EphemeralStore,
    private readonly limits: AuthLimits,
  ) {}

  /** The address refusals are counted against. */
  static clientOf(req: Request): string {
    return req.ip ?? req.socket.remoteAddress ?? 'unknown';
  }

  /** Throws ThrottledError when this client is past its refusals for the window. */
  async assertClientAllowed(client: string): Promise<void> {
    const refused = Number((await this.store.get(clientCounter(client))) ?? 0);
    if (refused >= this.limits.perClient) {
      throw new ThrottledError('Too many refused API keys or sign-ins from this address: try again in 15 minutes', AUTH_WINDOW_SECONDS, 'client');
    }
  }

  /**
   * Counts a refused key or sign-in from `client`; throws ThrottledError (instead of the
   * caller's 401) when refusals from everyone together are past the total.
   */
  async refused(client: string): Promise<void> {
    const [, total] = await Promise.all([this.store.increment(clientCounter(client), AUTH_WINDOW_SECONDS), this.store.increment(TOTAL_COUNTER, AUTH_WINDOW_SECONDS)]);
    if (total > this.limits.total) {
      throw new ThrottledError('Too many refused API keys from everyone at once: unknown keys are refused for a while; try again in 15 minutes', AUTH_WINDOW_SECONDS, 'total');
    }
  }
}

const clientCounter = (client: string) => `auth-refused:client:${client}`;
const TOTAL_COUNTER = 'auth-refused:total';
