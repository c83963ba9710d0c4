import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { html } from '../http/html';
import type { Logger } from '../log';
import { httpStatusOf } from '../http/errors';
import { ConflictError, ForbiddenError, InvalidError, type Refusal } from '../services/access';
import { formatReference } from '../services/reference';
import { consolePage, LANGUAGE_NAMES, statusLabel } from './layout';
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

/** A broadcast's status as an officer reads it in a sentence. */
const BROADCAST_STATE: Record<string, string> = {
  draft: 'a draft',
  pending_approval: 'waiting for approval',
  scheduled: 'scheduled',
  sending: 'being sent',
  completed: 'completed',
  stopped: 'stopped',
};

/** A service's refusal as a sentence for an officer (the API's wording names API fields). */
export function refusalSentence(refusal: Refusal): string {
  switch (refusal.kind) {
    case 'status_backwards':
      return `“${statusLabel(refusal.to)}” comes before “${statusLabel(refusal.from)}” in this service’s steps. To move the request back, tick “Allow moving back to an earlier status” and change it again.`;
    case 'status_same':
      return `the request is already “${statusLabel(refusal.status)}”. Nothing was changed.`;
    case 'status_unknown':
      return `“${statusLabel(refusal.status)}” is not a step of this service. Its steps are ${refusal.workflow.map(statusLabel).join(' → ')}.`;
    case 'broadcast_finished':
      return `broadcast #${refusal.id} has already ${refusal.status === 'stopped' ? 'stopped' : 'completed'}; there is nothing left to stop.`;
    case 'broadcast_not_draft':
      return `broadcast #${refusal.id} is ${BROADCAST_STATE[refusal.status] ?? refusal.status}: only a draft can be sent.`;
    case 'broadcast_not_pending':
      return `broadcast #${refusal.id} is ${BROADCAST_STATE[refusal.status] ?? refusal.status}, not waiting for approval.`;
    case 'text_link':
      return `${refusal.field === 'note' ? 'the note' : `the ${textLanguage(refusal.field)} text`} contains a link (${refusal.link}). Phone companies in the Philippines block SMS with links or shortened links, so it would never arrive: say where to go in words, or name a keyword to text.`;
    case 'broadcast_same_person':
      return `a second person must approve this broadcast: ${refusal.drafter} drafted it${refusal.scheduler && refusal.scheduler !== refusal.drafter ? ` and ${refusal.scheduler} sent it` : ''}, and you are signed in as ${refusal.approver}. Ask another officer of your ministry to approve it.`;
  }
}

/** The language a broadcast's text is in, by its field (`texts.fil` → Filipino). */
function textLanguage(field: string): string {
  const locale = field.replace(/^texts\./, '');
  return LANGUAGE_NAMES[locale] ?? locale;
}

/** "no request 48217730953" (the services' not-found, the same for another ministry's): with the reference as officers write it. */
function notFoundSentence(message: string): string | undefined {
  const request = /^no request (\d{11})$/.exec(message);
  if (request) return `No request has the reference ${formatReference(request[1])}. Check the number: requests of other ministries are not shown.`;
  const broadcast = /^no broadcast (\d+)$/.exec(message);
  if (broadcast) return `There is no broadcast #${broadcast[1]}.`;
  return undefined;
}

/**
 * The reason shown to the officer: a refusal in an officer's words, the service's own sentence
 * for other mistakes of theirs, nothing of ours (503, 500).
 */
export function reasonOf(error: unknown, status: number): string {
  if (status === 503) return 'The records store is unavailable. Try again in a minute.';
  if (status === 500) return 'Something went wrong on our side. It has been logged.';
  const refusal = error instanceof ConflictError || error instanceof InvalidError ? error.refusal : undefined;
  if (refusal) return refusalSentence(refusal);
  const message = (error as Error).message;
  if (status === 404) return notFoundSentence(message) ?? message;
  if (error instanceof ForbiddenError) return `your key may not do this: ${message}.`;
  return message;
}

/** A sentence's first letter in capitals (a reason shown on its own). */
const sentence = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

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
          body: html`<h1>${title}</h1><p class="error-text" role="alert">${sentence(reasonOf(error, status))}</p><p><a href="/console">Back to the dashboard</a></p>`,
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
      flash(req, res, `Not done: ${reasonOf(error, status)}`, 'error');
      res.redirect(303, back(req));
    }
  };
}
