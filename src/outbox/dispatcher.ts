import { SendError, type SendingChannel } from '../channels/channel';
import type { Logger } from '../log';
import { PRIORITY, type ClaimedMessage, type Outbox, type Outcome } from './outbox';
import { unlimited, type RateLimiter } from './rate-limiter';

export { unlimited, type RateLimiter } from './rate-limiter';

/** Where one claimed message goes: the channel that sends it and how many tokens of its bucket it spends. */
export interface Leg {
  channel: SendingChannel;
  /** Its SMS parts (a 3-part SMS takes 3 tokens); 1 on other channels. */
  tokens: number;
  /** For SMS: the provider chosen and the recipient's network, kept with the message. */
  route?: string;
  network?: string;
  /** The one message let through a half-open circuit breaker. */
  probe?: boolean;
  /** Other routes that could carry the message: a failure on this one is tried on them. */
  alternatives?: number;
}

/** A leg, or: hold the message this long (every route is open), or fail it with this reason (none carries it). */
export type Plan = Leg | { hold: number } | { fail: string };

/** Chooses each message's leg and hears how each send went (src/outbox/routing). */
export interface Routing {
  plan(lane: SendingChannel, message: ClaimedMessage): Promise<Plan>;
  settled(leg: Leg, error?: SendError): Promise<void>;
}

/** Without routing: every message on its lane's channel, one token each. */
const direct: Routing = {
  plan: async (lane) => ({ channel: lane, tokens: 1 }),
  settled: async () => undefined,
};

export interface DispatcherOptions {
  outbox: Outbox;
  channels: SendingChannel[];
  log: Logger;
  /** After this many attempts a retryable failure becomes final (OUTBOX_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** Each channel's token bucket; shared through Redis in production. */
  limiter?: RateLimiter;
  /** Chooses the provider of each SMS and counts parts; without it each lane sends on its own channel. */
  routing?: Routing;
  /** Most messages a channel claims at once; at low rates fewer, about two seconds' worth. */
  batchSize?: number;
  /** Pause between polls when a channel has nothing due. */
  idleMs?: number;
  /** Messages of one channel in flight at once; by default enough for half a second of the channel's rate (at least 20; 100 with no rate). */
  concurrency?: number;
  /** How long a claim lasts: messages of a dispatcher that died are taken again after this. */
  leaseSeconds?: number;
  /** True while ordinary broadcasts must wait (quiet hours); replies, status updates and emergencies go on. */
  holdBroadcasts?: (now: Date) => boolean;
  /** Work done beside sending, every `housekeepingMs`: fanning out scheduled broadcasts, closing finished ones. */
  housekeeping?: () => Promise<void>;
  housekeepingMs?: number;
  now?: () => Date;
}

/** Time kept back from a lease: a claimed message not sent by then is handed back rather than risk a second sender. */
const LEASE_MARGIN_MS = 5000;
/** How long to hold messages when the rate limiter cannot be asked. */
const LIMITER_DOWN_RETRY_MS = 2000;
/** How soon a message refused by one route is tried on the next. */
const NEXT_ROUTE_RETRY_MS = 1000;

/**
 * Sends what the outbox holds. Each sending channel is a lane of its own (a slow SMS backlog
 * never holds up Telegram): it claims due messages in priority order, takes tokens from the
 * channel's bucket, sends a chunk concurrently and settles the chunk in one statement.
 * Retryable failures come back after an exponential back-off (or the provider's Retry-After);
 * after `maxAttempts`, or on a permanent error, the message fails. Any number of dispatchers,
 * in any number of processes, can run against one database.
 */
export class Dispatcher {
  private readonly channels: SendingChannel[];
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();
  private readonly now: () => Date;
  private readonly limiter: RateLimiter;
  private readonly routing: Routing;

  constructor(private readonly options: DispatcherOptions) {
    this.channels = options.channels;
    this.now = options.now ?? (() => new Date());
    this.limiter = options.limiter ?? unlimited;
    this.routing = options.routing ?? direct;
  }

  /** Starts every lane (and the housekeeping loop) in the background until `stop()`. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = this.channels.map((channel) => this.lane(channel));
    const { housekeeping } = this.options;
    if (housekeeping) this.loops.push(this.every(this.options.housekeepingMs ?? 1000, housekeeping));
  }

  /** Stops after the chunks in flight; resolves when they are settled. */
  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    await Promise.all(this.loops);
    this.loops = [];
  }

  /** Asks sleeping lanes to look now (a message was just queued). */
  nudge(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  /** Claims and sends one batch per channel; returns how many messages were handled. */
  async runOnce(): Promise<number> {
    const handled = await Promise.all(this.channels.map((channel) => this.batch(channel)));
    return handled.reduce((sum, count) => sum + count, 0);
  }

  private async lane(channel: SendingChannel): Promise<void> {
    const log = this.options.log;
    while (this.running) {
      let handled = 0;
      try {
        handled = await this.batch(channel);
      } catch (error) {
        log.warn({ err: error, channel: channel.name }, 'outbox poll failed; will retry');
      }
      if (handled === 0 && this.running) await this.sleep(this.options.idleMs ?? 500);
    }
  }

  private async every(intervalMs: number, work: () => Promise<void>): Promise<void> {
    while (this.running) {
      try {
        await work();
      } catch (error) {
        this.options.log.warn({ err: error }, 'outbox housekeeping failed; will retry');
      }
      if (this.running) await this.sleep(intervalMs);
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  /** How many messages one claim takes: about two seconds of the channel's rate, within the batch size. */
  private claimSize(channel: SendingChannel): number {
    const batchSize = this.options.batchSize ?? 200;
    const rate = channel.ratePerSecond;
    return rate > 0 && Number.isFinite(rate) ? Math.max(1, Math.min(batchSize, Math.ceil(rate * 2))) : batchSize;
  }

  /** One claim of one channel, sent chunk by chunk within its rate. */
  private async batch(channel: SendingChannel): Promise<number> {
    const { outbox, holdBroadcasts } = this.options;
    const leaseSeconds = this.options.leaseSeconds ?? 30;
    const claimed = await outbox.claim(channel.name, this.claimSize(channel), {
      leaseSeconds,
      priorityBelow: holdBroadcasts?.(this.now()) ? PRIORITY.broadcast : undefined,
    });
    if (claimed.length === 0) return 0;
    const deadline = Date.now() + leaseSeconds * 1000 - Math.min(LEASE_MARGIN_MS, (leaseSeconds * 1000) / 3);
    // Broadcasts to citizens who opted out after the fan-out are cancelled, never sent.
    let pending: Outcome[] = claimed.filter((message) => message.withdrawn).map((message) => ({ id: message.id, result: 'cancelled', error: 'citizen opted out' }));
    const toSend = claimed.filter((message) => !message.withdrawn);
    const rate = channel.ratePerSecond;
    // Enough sends in flight to keep a provider answering in ~500 ms at the channel's full rate;
    // with no limit, 100 (20 left a local provider waiting on our round trips: bench/RESULTS.md).
    const concurrency = this.options.concurrency ?? (rate > 0 && Number.isFinite(rate) ? Math.max(20, Math.ceil(rate / 2)) : 100);
    // Tokens taken but not yet spent, per bucket: a 3-part SMS may need more than one grant.
    const credit = new Map<string, number>();
    while (toSend.length > 0) {
      if (Date.now() >= deadline) {
        pending.push(...this.release(toSend.splice(0), 0));
        break;
      }
      // Plan the next window; each channel's share of it goes as far as that channel's tokens allow.
      const window = toSend.slice(0, concurrency);
      const plans = await Promise.all(window.map((message) => this.routing.plan(channel, message)));
      const legs = new Map<ClaimedMessage, Leg>();
      const groups = new Map<SendingChannel, ClaimedMessage[]>();
      window.forEach((message, index) => {
        const plan = plans[index];
        if ('hold' in plan) pending.push(...this.release([message], plan.hold));
        else if ('fail' in plan) pending.push({ id: message.id, result: 'failed', error: plan.fail });
        else {
          legs.set(message, plan);
          groups.set(plan.channel, (groups.get(plan.channel) ?? []).concat(message));
        }
      });
      let chunk: ClaimedMessage[];
      try {
        chunk = (await Promise.all([...groups].map(([route, group]) => this.covered(route, group, legs, credit)))).flat();
      } catch (error) {
        this.options.log.warn({ err: error, channel: channel.name }, 'rate limiter unavailable; messages held');
        pending.push(...this.release(toSend.splice(0).filter((message) => !window.includes(message) || legs.has(message)), LIMITER_DOWN_RETRY_MS));
        break;
      }
      // What was held or failed leaves the queue with the chunk; the rest of the window is planned again.
      const done = new Set([...chunk, ...window.filter((message) => !legs.has(message))]);
      toSend.splice(0, toSend.length, ...toSend.filter((message) => !done.has(message)));
      const outcomes = await Promise.all(chunk.map((message) => this.send(legs.get(message)!, message)));
      await outbox.settle([...pending, ...outcomes]);
      pending = [];
    }
    await outbox.settle(pending);
    return claimed.length;
  }

  /**
   * Takes tokens of `route`'s bucket for `group` (in order) and returns the messages they cover:
   * at least the first, whose parts may need several grants; tokens left over stay in `credit`.
   */
  private async covered(route: SendingChannel, group: ClaimedMessage[], legs: Map<ClaimedMessage, Leg>, credit: Map<string, number>): Promise<ClaimedMessage[]> {
    const wanted = group.reduce((sum, message) => sum + legs.get(message)!.tokens, 0);
    let have = credit.get(route.name) ?? 0;
    const first = legs.get(group[0])!.tokens;
    while (have < first) have += await this.limiter.take(route.name, route.ratePerSecond, wanted - have);
    const chunk: ClaimedMessage[] = [];
    for (const message of group) {
      const { tokens } = legs.get(message)!;
      if (tokens > have) break;
      have -= tokens;
      chunk.push(message);
    }
    credit.set(route.name, have);
    return chunk;
  }

  private release(messages: ClaimedMessage[], delayMs: number): Outcome[] {
    const retryAt = new Date(Date.now() + delayMs);
    return messages.map((message) => ({ id: message.id, result: 'released', retryAt }));
  }

  private async send(leg: Leg, message: ClaimedMessage): Promise<Outcome> {
    const { log, maxAttempts } = this.options;
    const { channel, route, network } = leg;
    const where = { route, network };
    try {
      const { providerId } = await channel.send({ id: message.id, address: message.address, body: message.body });
      await this.routing.settled(leg);
      return { id: message.id, result: 'sent', providerId, ...where };
    } catch (error) {
      const sendError = error instanceof SendError ? error : new SendError((error as Error).message, true);
      await this.routing.settled(leg, sendError);
      // A refusal by one route of several is the route's, not the message's: the next route tries.
      const elsewhere = (leg.alternatives ?? 0) > 0 && !sendError.unreachable;
      if ((sendError.retryable || elsewhere) && !sendError.unreachable && message.attempts < maxAttempts) {
        const backoff = elsewhere
          ? NEXT_ROUTE_RETRY_MS
          : (sendError.retryAfterMs ?? Math.min(1000 * 2 ** (message.attempts - 1), 300_000) * (0.8 + Math.random() * 0.4));
        log.info({ outboxId: message.id, channel: channel.name, attempts: message.attempts }, 'send failed; will retry');
        return { id: message.id, result: 'retry', error: sendError.message, retryAt: new Date(Date.now() + backoff), ...where };
      }
      log.warn({ outboxId: message.id, channel: channel.name, attempts: message.attempts, reason: sendError.message }, 'send failed for good');
      return { id: message.id, result: 'failed', error: sendError.message, ...where };
    }
  }
}
