import { SendError, type SendingChannel } from '../channels/channel';
import type { Logger } from '../log';
import type { ClaimedMessage, Outbox } from './outbox';

/** Waits until a channel may send one more message (a token bucket shared by all dispatchers). */
export interface RateLimiter {
  take(channel: string, ratePerSecond: number): Promise<void>;
}

/** No limit: for tests and for channels without one. */
export const unlimited: RateLimiter = { take: async () => undefined };

export interface DispatcherOptions {
  outbox: Outbox;
  channels: SendingChannel[];
  log: Logger;
  /** After this many attempts a retryable failure becomes final. */
  maxAttempts: number;
  limiter?: RateLimiter;
  batchSize?: number;
  /** Pause between polls when the outbox has nothing due. */
  idleMs?: number;
  /** Messages of one batch in flight at once. */
  concurrency?: number;
}

/**
 * Sends what the outbox holds: claims due messages in priority order, sends each through its
 * channel within the channel's rate, and records the outcome. Retryable failures come back
 * after an exponential back-off (or the provider's own Retry-After); others fail at once.
 * Any number of dispatchers, in any number of processes, can run against one database.
 */
export class Dispatcher {
  private readonly byName: Map<string, SendingChannel>;
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;

  constructor(private readonly options: DispatcherOptions) {
    this.byName = new Map(options.channels.map((channel) => [channel.name, channel]));
  }

  /** Starts polling in the background until `stop()`. */
  start(): void {
    if (this.running || this.byName.size === 0) return;
    this.running = true;
    this.loop = this.poll();
  }

  /** Stops after the batch in flight; resolves when it is done. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Asks a sleeping dispatcher to look now (a message was just queued). */
  nudge(): void {
    this.wake?.();
  }

  /** Claims and sends one batch; returns how many messages it handled. */
  async runOnce(): Promise<number> {
    const batch = await this.options.outbox.claim([...this.byName.keys()], this.options.batchSize ?? 50);
    const concurrency = this.options.concurrency ?? 10;
    for (let start = 0; start < batch.length; start += concurrency) {
      await Promise.all(batch.slice(start, start + concurrency).map((message) => this.deliver(message)));
    }
    return batch.length;
  }

  private async poll(): Promise<void> {
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.runOnce();
      } catch (error) {
        this.options.log.warn({ err: error }, 'outbox poll failed; will retry');
      }
      if (handled === 0 && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.idleMs ?? 500);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }

  private async deliver(message: ClaimedMessage): Promise<void> {
    const { outbox, log, maxAttempts } = this.options;
    const channel = this.byName.get(message.channel);
    if (!channel) return;
    try {
      await (this.options.limiter ?? unlimited).take(channel.name, channel.ratePerSecond);
      const { providerId } = await channel.send({ id: message.id, address: message.address, body: message.body });
      await outbox.markSent(message.id, providerId);
    } catch (error) {
      const sendError = error instanceof SendError ? error : new SendError((error as Error).message, true);
      if (sendError.retryable && message.attempts < maxAttempts) {
        const backoff = sendError.retryAfterMs ?? Math.min(1000 * 2 ** (message.attempts - 1), 300_000) * (0.8 + Math.random() * 0.4);
        await outbox.retryLater(message.id, sendError.message, new Date(Date.now() + backoff));
        log.info({ outboxId: message.id, channel: channel.name, attempts: message.attempts }, 'send failed; will retry');
      } else {
        await outbox.markFailed(message.id, sendError.message);
        log.warn({ outboxId: message.id, channel: channel.name, attempts: message.attempts, reason: sendError.message }, 'send failed for good');
      }
    }
  }
}
