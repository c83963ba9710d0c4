import type { DialogEngine, Inbound, Paginator, Reply } from '../dialogs/engine';
import type { Logger } from '../log';
import type { Metrics } from '../metrics';
import { logTurnFailure } from './failures';

/**
 * One dialog turn for any channel but USSD (whose hop has more around it, conversation/ussd.ts):
 * timed and counted by channel and outcome (`ok`, `final`, `error`), the failure logged once
 * and passed on for the caller's polite answer in its own words.
 */
export class Turns {
  constructor(
    private readonly engine: DialogEngine,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {}

  async run<P extends { text: string }>(inbound: Inbound, layout: Paginator<P>): Promise<Reply<P>> {
    const { metrics } = this;
    const stopTimer = metrics.hopSeconds.startTimer({ channel: inbound.channel });
    try {
      const reply = await this.engine.turn(inbound, layout);
      metrics.hops.inc({ channel: inbound.channel, outcome: reply.final ? 'final' : 'ok' });
      return reply;
    } catch (error) {
      metrics.hops.inc({ channel: inbound.channel, outcome: 'error' });
      logTurnFailure(this.log, error, 'dialog turn failed; the channel answers politely', { channel: inbound.channel });
      throw error;
    } finally {
      stopTimer();
    }
  }

  /** Forgets the address's dialog: the next message starts from the top. */
  forget(address: string): Promise<void> {
    return this.engine.forget(address);
  }
}
