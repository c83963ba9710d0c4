import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from '../services/access';
import { StoreUnavailableError } from '../store/sql';

/**
 * The HTTP status a failure is answered with, the same for the REST API and the console: the
 * caller's mistakes are 4xx (the API adds 401 for a missing key), a records store that cannot
 * be reached 503, anything else ours, 500. Errors that carry their own 4xx (body-parser's:
 * malformed JSON, too large, wrong charset) keep it.
 */
export function httpStatusOf(error: unknown): number {
  if (error instanceof InvalidError) return 400;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof StoreUnavailableError) return 503;
  const status = (error as { status?: number }).status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}
