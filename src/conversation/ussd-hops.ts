import type { EphemeralStore } from '../store/ephemeral';

/** What is remembered of a gateway session's last hop. */
interface LastHop {
  /** Hops of the session begun so far. */
  n: number;
  /** The newest input of the last hop. */
  input: string;
  /** Not answered yet. */
  open: boolean;
  /** Its answer closed the session. */
  final: boolean;
}

/**
 * The hops of a gateway session, for the gateways that send only the newest input and number
 * no hops (Nalo, Arkesel): kept in the ephemeral store, so any instance can serve any hop.
 *
 * A gateway that gave up waiting sends the same hop again while the first is still being
 * answered: a hop with the same input as one still open is that retry, and gets that hop's
 * number (and so, through the engine's saved reply, the same screen and no second step).
 * Once a hop is answered, the same input again is a new hop: "98" (more) pressed twice pages
 * twice. The wire cannot tell a retry sent after our answer from the same key pressed again;
 * that one is taken as pressed again, since taking it as a retry would trap a caller paging.
 */
export class UssdHopLedger {
  constructor(
    private readonly store: EphemeralStore,
    private readonly ttlSeconds: number,
  ) {}

  /** Begins a hop; resolves with its number in the session (a retry of the open hop gets that one's). */
  async begin(gateway: string, session: string, input: string): Promise<number> {
    const last = await this.last(gateway, session);
    if (last?.open && last.input === input) return last.n;
    const n = (last?.n ?? 0) + 1;
    await this.save(gateway, session, { n, input, open: true, final: false });
    return n;
  }

  /** The hop numbered `n` was answered; `final` when its answer closed the session. */
  async answered(gateway: string, session: string, n: number, final: boolean): Promise<void> {
    const last = await this.last(gateway, session);
    if (last && last.n === n) await this.save(gateway, session, { ...last, open: false, final });
  }

  /** Whether the session's last answer closed it (a session the citizen left mid-way: false). */
  async closed(gateway: string, session: string): Promise<boolean> {
    return (await this.last(gateway, session))?.final === true;
  }

  private key(gateway: string, session: string): string {
    return `ussd-hops:${gateway}:${session}`;
  }

  private async last(gateway: string, session: string): Promise<LastHop | undefined> {
    const raw = await this.store.get(this.key(gateway, session));
    if (!raw) return undefined;
    try {
      const parsed = JSON.parse(raw) as Partial<LastHop>;
      return typeof parsed.n === 'number' ? { n: parsed.n, input: String(parsed.input ?? ''), open: parsed.open === true, final: parsed.final === true } : undefined;
    } catch {
      return undefined;
    }
  }

  private save(gateway: string, session: string, hop: LastHop): Promise<void> {
    return this.store.set(this.key(gateway, session), JSON.stringify(hop), this.ttlSeconds);
  }
}
