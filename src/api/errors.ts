import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../log';
import { httpStatusOf } from '../http/errors';
import { UnauthorizedError } from './auth';
import { InputError } from './route';
import type { ErrorBody } from './schemas';
import { ThrottledError } from './throttle';

/** How each kind of failure is answered: the caller's mistakes are 4xx with the reason, ours a bare 500. */
function statusOf(error: unknown): number {
  return error instanceof UnauthorizedError ? 401 : httpStatusOf(error);
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
    if (error instanceof ThrottledError) res.set('Retry-After', String(error.retryAfterSeconds));
    res.status(status).json(body);
  };
}
