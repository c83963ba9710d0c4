import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log';
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from '../services/access';
import { StoreUnavailableError } from '../store/sql';
import { UnauthorizedError } from './auth';
import { InputError } from './route';
import type { ErrorBody } from './schemas';

/** How each kind of failure is answered: the caller's mistakes are 4xx with the reason, ours a bare 500. */
function statusOf(error: unknown): number {
  if (error instanceof InputError || error instanceof InvalidError) return 400;
  if (error instanceof UnauthorizedError) return 401;
  if (error instanceof ForbiddenError) return 403;
  if (error instanceof NotFoundError) return 404;
  if (error instanceof ConflictError) return 409;
  if (error instanceof StoreUnavailableError) return 503;
  // Body-parser errors (malformed JSON, too large, wrong charset) carry their own 4xx.
  const status = (error as { status?: number }).status;
  return typeof status === 'number' && status >= 400 && status < 500 ? status : 500;
}

const BODY_PARSER_MESSAGES: Record<string, string> = {
  'entity.parse.failed': 'The body is not valid JSON',
  'entity.too.large': 'The body is too large',
  'charset.unsupported': 'The body must be UTF-8',
  'encoding.unsupported': 'The body encoding is not supported',
};

/** The API's terminal error handler: JSON errors, never a stack trace. */
export function apiErrorHandler(log: Logger) {
  return (error: Error & { type?: string }, _req: Request, res: Response, _next: NextFunction): void => {
    const status = statusOf(error);
    let body: ErrorBody;
    if (error instanceof InputError) body = { error: error.message, issues: error.issues };
    else if (status === 500) {
      log.error({ err: error }, 'unhandled error in an API request');
      body = { error: 'Internal error' };
    } else if (status === 503) body = { error: 'The records store is unavailable; try again shortly' };
    else body = { error: (error.type && BODY_PARSER_MESSAGES[error.type]) ?? error.message };
    if (status === 401) res.set('WWW-Authenticate', 'Bearer realm="lingkod"');
    res.status(status).json(body);
  };
}
