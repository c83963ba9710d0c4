import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { html } from '../http/html';
import type { Logger } from '../log';
import { httpStatusOf } from '../http/errors';
import { InvalidError } from '../services/access';
import { consolePage } from './layout';
import { flash, officerOf } from './session';

/** A console input that does not fit (a filter, a form field): 400 with the reason. */
export class FormError extends InvalidError {
  override readonly name = 'FormError';
}

const TITLES: Record<number, string> = {
  400: 'That did not work',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Not now',
  503: 'Try again shortly',
  500: 'Something went wrong',
};

/** The reason shown to the officer: the service's own sentence for their mistakes, nothing of ours. */
export function reasonOf(error: unknown, status: number): string {
  if (status === 503) return 'The records store is unavailable. Try again in a minute.';
  if (status === 500) return 'Something went wrong on our side. It has been logged.';
  return (error as Error).message;
}

/**
 * A page handler whose failures become a page: the officer's mistakes (400, 403, 404, 409) say
 * why, ours say sorry, and nothing shows a stack trace.
 */
export function page(handler: (req: Request, res: Response) => Promise<void>, log: Logger): RequestHandler {
  return async (req, res) => {
    try {
      await handler(req, res);
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 500) log.error({ err: error }, 'console page failed');
      const title = TITLES[status] ?? TITLES[400];
      res.status(status).type('html').send(
        consolePage({
          title,
          section: '/console',
          officer: officerOf(req),
          body: html`<h1>${title}</h1><p class="error-text">${reasonOf(error, status)}</p><p><a href="/console">Back to the dashboard</a></p>`,
        }),
      );
    }
  };
}

/**
 * A form action: on success it redirects (303) where the action says, with a message; on a
 * failure it goes back to `back` with the reason, so a refresh never repeats the action.
 */
export function action(handler: (req: Request, res: Response) => Promise<{ to: string; message: string }>, back: (req: Request) => string, log: Logger): RequestHandler {
  return async (req: Request, res: Response, _next: NextFunction) => {
    try {
      const done = await handler(req, res);
      flash(req, res, done.message);
      res.redirect(303, done.to);
    } catch (error) {
      const status = httpStatusOf(error);
      if (status === 500) log.error({ err: error }, 'console action failed');
      flash(req, res, `Not done: ${reasonOf(error, status)}`);
      res.redirect(303, back(req));
    }
  };
}
