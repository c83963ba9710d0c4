import { isIP } from 'node:net';
import type { Logger } from '../log';
import type { Database } from '../store/sql';

/** One hop a gateway brought us, as the trail keeps it: who the gateway said called, from where; never what was typed. */
export interface GatewayHop {
  /** The gateway family: `africastalking`. */
  gateway: string;
  /** The mobile network the gateway named (Africa's Talking's `networkCode`, e.g. `51502`). */
  network?: string;
  /** The address the hop came from (`req.ip`). */
  source?: string;
  /** The gateway's session id, as it sent it (to match against the gateway's own session report). */
  session: string;
  /** The USSD code dialled (`*347#`). */
  serviceCode?: string;
  /** The citizen's address the hop acted for (`tel:+63…`). */
  address: string;
}

/** Hops waiting to be written at most; past it (the database away for long) new ones are counted as lost. */
const MAX_WAITING = 10_000;
/**
 * How long the first hop of a batch waits for others to join it. A statement costs far more
 * than a row (on PGlite, which runs on the event loop, a lone INSERT per hop halved the hop
 * rate of a busy instance); a crash within this time loses at most these rows, and any other
 * hop of the same session still leads to it.
 */
const LINGER_MS = 50;

/**
 * The forensic trail of gateway hops (table `ussd_hops`, migration 011): one row per hop, so an
 * investigator can tell a genuine erasure or confirmation from a forged one by the gateway,
 * network, source address and session id of the hop that did it.
 *
 * Cheap on the hop's path: `record` only queues the row and never waits or throws. The hops of
 * the next LINGER_MS, and those arriving while a write is in flight, go together in one
 * multi-row INSERT, one at a time: a burst of hops costs a few statements and one connection,
 * never a queue in front of the turns. The citizen is the one the address belongs to when the
 * row is written: NULL for a row written after its citizen erased their data (a caller reads
 * each screen for seconds, so a session's earlier rows are written before and name them; every
 * row names the address and the session). Its time is the
 * database's, as the audit log's is, so the two line up whatever the instances' clocks say
 * (a row is written within milliseconds of its hop, later only while a write is slow). A failed write is
 * logged once when writing stops working and once when it works again, with the count lost;
 * the hop itself is served either way. Purged after RETENTION_DAYS (services/retention.ts).
 */
export class HopTrail {
  private readonly log: Logger;
  private waiting: GatewayHop[] = [];
  private writing?: Promise<void>;
  private lost = 0;

  constructor(
    private readonly db: Database,
    log: Logger,
  ) {
    this.log = log.child({ name: 'hop-trail' });
  }

  /** Queues a hop for the trail; returns at once. */
  record(hop: GatewayHop): void {
    if (this.waiting.length >= MAX_WAITING) {
      this.lost++;
      return;
    }
    this.waiting.push(hop);
    this.writing ??= this.drain();
  }

  /** Resolves once every hop queued so far is written or given up on (tests, and a clean stop). */
  async settled(): Promise<void> {
    while (this.writing) await this.writing;
  }

  private async drain(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, LINGER_MS));
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      await this.write(batch);
    }
    this.writing = undefined;
  }

  private async write(batch: GatewayHop[]): Promise<void> {
    const column = <T>(pick: (hop: GatewayHop) => T) => batch.map(pick);
    try {
      await this.db.query(
        `INSERT INTO ussd_hops (gateway, network, source, session_id, service_code, address, citizen_id)
         SELECT h.gateway, h.network, h.source::inet, h.session, h.service_code, h.address, a.citizen_id
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[])
                AS h(gateway, network, source, session, service_code, address)
           LEFT JOIN citizen_addresses a ON a.address = h.address`,
        [
          column((hop) => hop.gateway),
          column((hop) => hop.network ?? null),
          column((hop) => (hop.source && isIP(hop.source) ? hop.source : null)),
          column((hop) => hop.session),
          column((hop) => hop.serviceCode ?? null),
          column((hop) => hop.address),
        ],
      );
      if (this.lost > 0) {
        this.log.warn({ lost: this.lost }, 'USSD hops are recorded in the trail again');
        this.lost = 0;
      }
    } catch (error) {
      if (this.lost === 0) this.log.warn({ err: error }, 'could not record USSD hops in the trail; hops are served, not recorded, until the database answers');
      this.lost += batch.length;
    }
  }
}
