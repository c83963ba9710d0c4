/**
 * At most `limit` pieces of work at once; the rest wait their turn, first come first served.
 *
 * The engine runs its turns through one: a burst (a thousand callers dialling at once) then
 * queues in order instead of interleaving a thousand turns, each of which would wait on all
 * the others between its Redis and PostgreSQL calls until their time-outs turned the burst into
 * errors. Measured in bench/RESULTS.md: at 1,000 concurrent callers, no errors instead of one
 * hop in seven, and a p99 less than half as long.
 */
export class Gate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  /** Runs `work` when a place is free; resolves or rejects as `work` does. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      // The place passes straight to the next in line; otherwise it is freed.
      if (next) next();
      else this.active--;
    }
  }
}
