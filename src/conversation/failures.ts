import type { Logger } from '../log';
import { StoreUnavailableError } from '../store/sql';

/** Failures already written: the turn logs its own, and the channel that answers it must not again. */
const logged = new WeakSet<object>();

/**
 * Logs a turn that could not be served, once however many layers pass it on. A store away or a
 * phone's turn busy (a flood of hops for one number) is expected, and is one warn line without a
 * stack: 200 forged dials must not be 200 stack traces. Anything else is an error, with its stack.
 */
export function logTurnFailure(log: Logger, error: unknown, message: string, fields: Record<string, unknown> = {}): void {
  if (typeof error === 'object' && error !== null) {
    if (logged.has(error)) return;
    logged.add(error);
  }
  if (error instanceof StoreUnavailableError) log.warn({ ...fields, reason: error.message }, message);
  else log.error({ ...fields, err: error }, message);
}
