import { maskPhone } from '../address';
import { networkName } from '../outbox/routing/networks';
import { DELIVERY_REASON_SQL, DELIVERY_STATUSES, DELIVERY_STATUS_SQL, type DeliveryStatus } from '../outbox/status';
import type { Queryable } from '../store/sql';
import { ministryScope, type Actor } from './access';
import type { BroadcastService } from './broadcasts';

/** A route's messages to one network, counted by delivery status (src/outbox/status.ts). */
export interface RouteCounts {
  route: string;
  network: string;
  networkName: string;
  counts: Record<DeliveryStatus, number>;
  /** "Delivered" reports not believed (kept as sent). */
  doubted: number;
}

/** How many messages of a route ended (or wait) in a status for one reason. */
export interface ReasonCount {
  route: string;
  status: DeliveryStatus;
  reason: string;
  count: number;
}

/** One message as the ministry's export and the unreachable list show it: the phone masked. */
export interface DeliveryLine {
  id: number;
  phone: string;
  network: string;
  route: string;
  status: DeliveryStatus;
  reason: string;
  sentAt: Date | null;
  deliveredAt: Date | null;
}

/** Unreachable phones listed on the page; the export has them all. */
const UNREACHABLE_SHOWN = 100;
/** The route a message went by: its SMS provider; its channel otherwise (Telegram, the simulator); for SMS not yet sent, this. */
const ROUTE_SQL = `COALESCE(o.route, CASE o.channel WHEN 'sms' THEN 'not yet routed' ELSE o.channel END)`;

const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));

/**
 * What became of a broadcast's messages and of each SMS route's, for officers: counts per route
 * and network, the reasons in the providers' plain words, and which phones could not be reached
 * and why. A broadcast is read only by whoever may read the broadcast; route totals are counts
 * of the officer's ministry's broadcasts (every ministry's for a super-admin).
 */
export class DeliveryReports {
  constructor(
    private readonly db: Queryable,
    private readonly broadcasts: BroadcastService,
  ) {}

  async forBroadcast(actor: Actor, broadcastId: number): Promise<{ routes: RouteCounts[]; reasons: ReasonCount[]; unreachable: DeliveryLine[] }> {
    await this.broadcasts.get(actor, broadcastId);
    const where = 'o.broadcast_id = $1';
    const [routes, reasons, unreachable] = await Promise.all([
      this.counts(where, [broadcastId]),
      this.reasons(where, [broadcastId]),
      this.lines(`${where} AND o.status = 'failed'`, [broadcastId], UNREACHABLE_SHOWN),
    ]);
    return { routes, reasons, unreachable };
  }

  /** Every message of a broadcast, for the ministry's CSV export. */
  async exportBroadcast(actor: Actor, broadcastId: number): Promise<DeliveryLine[]> {
    await this.broadcasts.get(actor, broadcastId);
    return this.lines('o.broadcast_id = $1', [broadcastId]);
  }

  /** Per route and network over the last `days` days: counts and reasons. */
  async forRoutes(actor: Actor, days: number): Promise<{ routes: RouteCounts[]; reasons: ReasonCount[] }> {
    const ministry = ministryScope(actor, undefined) ?? null;
    const where = `o.created_at > now() - make_interval(days => $1::int) AND o.broadcast_id IS NOT NULL
      AND ($2::text IS NULL OR EXISTS (SELECT 1 FROM broadcasts b WHERE b.id = o.broadcast_id AND b.ministry_code = $2))
      AND o.address LIKE 'tel:%'`;
    const [routes, reasons] = await Promise.all([this.counts(where, [days, ministry]), this.reasons(where, [days, ministry])]);
    return { routes, reasons };
  }

  private async counts(where: string, params: unknown[]): Promise<RouteCounts[]> {
    const rows = await this.db.query<{ route: string; network: string | null; status: DeliveryStatus; doubted: string; count: string }>(
      `SELECT ${ROUTE_SQL} AS route, o.network, ${DELIVERY_STATUS_SQL} AS status, count(*) FILTER (WHERE o.delivery_doubt IS NOT NULL) AS doubted, count(*) AS count
         FROM outbox o WHERE ${where} GROUP BY 1, 2, 3 ORDER BY 1, 2`,
      params,
    );
    const byRoute = new Map<string, RouteCounts>();
    for (const row of rows) {
      const { route } = row;
      const network = row.network ?? 'other';
      const id = `${route}|${network}`;
      const entry = byRoute.get(id) ?? { route, network, networkName: networkName(network), counts: Object.fromEntries(DELIVERY_STATUSES.map((status) => [status, 0])) as Record<DeliveryStatus, number>, doubted: 0 };
      entry.counts[row.status] += Number(row.count);
      entry.doubted += Number(row.doubted);
      byRoute.set(id, entry);
    }
    return [...byRoute.values()];
  }

  private async reasons(where: string, params: unknown[]): Promise<ReasonCount[]> {
    const rows = await this.db.query<{ route: string; status: DeliveryStatus; reason: string; count: string }>(
      `SELECT ${ROUTE_SQL} AS route, ${DELIVERY_STATUS_SQL} AS status, ${DELIVERY_REASON_SQL} AS reason, count(*) AS count
         FROM outbox o WHERE ${where} AND ${DELIVERY_REASON_SQL} IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 4 DESC, 1 LIMIT 50`,
      params,
    );
    return rows.map((row) => ({ route: row.route, status: row.status, reason: row.reason, count: Number(row.count) }));
  }

  private async lines(where: string, params: unknown[], limit?: number): Promise<DeliveryLine[]> {
    const rows = await this.db.query(
      `SELECT o.id, o.address, o.network, ${ROUTE_SQL} AS route, ${DELIVERY_STATUS_SQL} AS status, ${DELIVERY_REASON_SQL} AS reason, o.sent_at, o.delivered_at
         FROM outbox o WHERE ${where} ORDER BY o.id${limit ? ` LIMIT ${limit}` : ''}`,
      params,
    );
    return rows.map((row) => ({
      id: Number(row.id),
      phone: maskPhone(row.address as string),
      network: networkName((row.network as string | null) ?? 'other'),
      route: row.route as string,
      status: row.status as DeliveryStatus,
      reason: (row.reason as string | null) ?? '',
      sentAt: date(row.sent_at),
      deliveredAt: date(row.delivered_at),
    }));
  }
}
