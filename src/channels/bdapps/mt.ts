import type { Logger } from '../../log';
import { STATUS, TRANSIENT_CODES, mtBody, type TapScreen } from './wire';

/**
 * The lane the screens of hSenid TAP go out on: each MT request is sent the moment its turn is
 * over, straight to USSD_TAP_URL, never through the outbox (whose SMS and broadcasts could hold
 * it up for longer than a phone waits). A network error, a 5xx or one of the platform's passing
 * errors (wire.ts) is retried with a growing pause until the retry window (USSD_TAP_RETRY_SECONDS,
 * about as long as the phone waits) closes; any other answer is final. Each screen is sent by
 * one call of `send` only: the adapter calls it once per hop (ussd.ts keeps the hop's mark).
 */
export interface TapLaneOptions {
  url: string;
  applicationId: string;
  password: string;
  /** Milliseconds within which a screen is retried. */
  windowMs: number;
  log: Logger;
  /** The first pause between tries; it doubles up to `maxPauseMs`. */
  firstPauseMs?: number;
  maxPauseMs?: number;
  /** Longest wait for one answer. */
  attemptTimeoutMs?: number;
}

/** How a screen ended: taken by the platform, refused by it for good, or not taken within the window. */
export type TapOutcome = { kind: 'delivered'; attempts: number } | { kind: 'refused'; statusCode: string; attempts: number } | { kind: 'gave-up'; reason: string; attempts: number };

export class TapLane {
  private readonly stopping = new AbortController();

  constructor(private readonly options: TapLaneOptions) {}

  /** Sends one screen, retrying within the window; never throws. */
  async send(screen: TapScreen): Promise<TapOutcome> {
    const { url, applicationId, password, windowMs, log, firstPauseMs = 200, maxPauseMs = 4000, attemptTimeoutMs = 5000 } = this.options;
    const body = JSON.stringify(mtBody(screen, { applicationId, password }));
    const deadline = Date.now() + windowMs;
    let pause = firstPauseMs;
    let reason = 'no attempt';
    for (let attempts = 1; ; attempts++) {
      const result = await this.attempt(url, body, Math.max(1, Math.min(attemptTimeoutMs, deadline - Date.now())));
      if (result.kind === 'delivered') return { kind: 'delivered', attempts };
      if (result.kind === 'refused') {
        log.warn({ statusCode: result.statusCode, detail: result.detail }, 'hSenid TAP refused a USSD screen; it is not retried');
        return { kind: 'refused', statusCode: result.statusCode, attempts };
      }
      reason = result.reason;
      // Jittered, so screens that failed together are not all retried in the same instant.
      const wait = Math.round(pause * (0.8 + Math.random() * 0.4));
      if (this.stopping.signal.aborted || Date.now() + wait >= deadline) {
        log.warn({ reason, attempts }, 'a USSD screen could not be sent to hSenid TAP within the retry window; given up');
        return { kind: 'gave-up', reason, attempts };
      }
      log.info({ reason, attempts }, 'a USSD screen was not taken by hSenid TAP; trying again');
      await this.sleep(wait);
      pause = Math.min(maxPauseMs, pause * 2);
    }
  }

  /** Ends every wait: screens being retried give up at once. */
  stop(): void {
    this.stopping.abort();
  }

  private async attempt(
    url: string,
    body: string,
    timeoutMs: number,
  ): Promise<{ kind: 'delivered' } | { kind: 'refused'; statusCode: string; detail: string } | { kind: 'retry'; reason: string }> {
    let response: globalThis.Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json;charset=utf-8', accept: 'application/json' },
        body,
        signal: AbortSignal.any([AbortSignal.timeout(timeoutMs), this.stopping.signal]),
      });
    } catch (error) {
      return { kind: 'retry', reason: `unreachable: ${(error as Error).name}` };
    }
    const text = await response.text().catch(() => '');
    if (response.status >= 500) return { kind: 'retry', reason: `HTTP ${response.status}` };
    let answer: { statusCode?: unknown; statusDetail?: unknown } | undefined;
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch {
      answer = undefined;
    }
    const statusCode = typeof answer?.statusCode === 'string' ? answer.statusCode : undefined;
    const detail = typeof answer?.statusDetail === 'string' ? answer.statusDetail.slice(0, 120) : '';
    if (response.status >= 200 && response.status < 300 && statusCode === STATUS.success) return { kind: 'delivered' };
    if (statusCode !== undefined && TRANSIENT_CODES.has(statusCode)) return { kind: 'retry', reason: statusCode };
    // A 2xx that is not the platform's JSON may still have been taken: not sent again.
    return { kind: 'refused', statusCode: statusCode ?? `HTTP ${response.status}`, detail };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.stopping.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
