import { createHash } from 'node:crypto';
import type { Logger } from '../../log';
import type { EphemeralStore } from '../../store/ephemeral';

/** One part of a long text, as Globe Labs delivers it (one request per part, in any order). */
export interface Part {
  /** The sender as Globe Labs gave it (`+639…`). */
  from: string;
  refId: string;
  /** 1-based. */
  seq: number;
  total: number;
  text: string;
}

/** A long text put back together: `complete` false when it was given up waiting with parts missing. */
export interface Assembled {
  from: string;
  refId: string;
  text: string;
  complete: boolean;
  /** How many parts arrived, of `total`. */
  arrived: number;
  total: number;
}

/**
 * Multipart reassembly in the ephemeral store (shared by instances when it is Redis): each part
 * is kept under its multipartRefId and number (a part seen twice is kept once), and the text is
 * handed on once every numbered part is there, whichever instance got the last one. The first
 * instance to see a text starts a timer; when it fires with parts still missing, what arrived is
 * handed on, in order, as the text (a citizen's long message cut short is still better answered
 * than silently dropped; the dialogs treat it as any text). Keys name a hash of sender and
 * reference, never the number.
 */
export class Reassembly {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly store: EphemeralStore,
    private readonly waitSeconds: number,
    private readonly handoff: (text: Assembled) => Promise<void>,
    private readonly log: Logger,
  ) {}

  /** Keeps a part; hands the text on (and resolves after it) when this part completes it. */
  async add(part: Part): Promise<'complete' | 'waiting' | 'done-before'> {
    const key = this.keyOf(part.from, part.refId);
    if (await this.store.get(`${key}:done`)) return 'done-before';
    const ttl = this.waitSeconds + 600;
    await this.store.setIfAbsent(`${key}:meta`, JSON.stringify({ from: part.from, refId: part.refId, total: part.total }), ttl);
    await this.store.setIfAbsent(`${key}:${part.seq}`, part.text, ttl);
    const texts = await this.partsOf(key, part.total);
    if (texts.every((text) => text !== null)) {
      await this.finish(key, { from: part.from, refId: part.refId, text: texts.join(''), complete: true, arrived: part.total, total: part.total });
      return 'complete';
    }
    if (await this.store.setIfAbsent(`${key}:timer`, '1', ttl)) {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void this.giveUp(key);
      }, this.waitSeconds * 1000);
      timer.unref();
      this.timers.add(timer);
    }
    return 'waiting';
  }

  /** Stops the timers (the instance is closing; parts it waited for are given up with it). */
  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async giveUp(key: string): Promise<void> {
    try {
      if (await this.store.get(`${key}:done`)) return;
      const meta = await this.store.get(`${key}:meta`);
      if (!meta) return;
      const { from, refId, total } = JSON.parse(meta) as { from: string; refId: string; total: number };
      const texts = await this.partsOf(key, total);
      const arrived = texts.filter((text): text is string => text !== null);
      if (arrived.length === 0) return;
      this.log.info({ arrived: arrived.length, total }, 'Globe Labs multipart text handled with parts missing');
      await this.finish(key, { from, refId, text: arrived.join(''), complete: arrived.length === total, arrived: arrived.length, total });
    } catch (error) {
      this.log.error({ err: error }, 'Globe Labs multipart text could not be handled after waiting for its parts');
    }
  }

  private async finish(key: string, assembled: Assembled): Promise<void> {
    await this.handoff(assembled);
    await this.store.set(`${key}:done`, '1', this.waitSeconds + 3600);
    for (let seq = 1; seq <= assembled.total; seq++) await this.store.delete(`${key}:${seq}`);
    await this.store.delete(`${key}:meta`);
  }

  private partsOf(key: string, total: number): Promise<(string | null)[]> {
    return Promise.all(Array.from({ length: total }, (_, index) => this.store.get(`${key}:${index + 1}`)));
  }

  private keyOf(from: string, refId: string): string {
    return `globelabs:mp:${createHash('sha256').update(`${from}\n${refId}`).digest('hex').slice(0, 32)}`;
  }
}
