import type { NextFunction, Request, Response } from 'express';
import { keyActor, type Actor } from '../services/access';
import type { ApiKeyService } from '../services/api-keys';
import { AuthThrottle } from './throttle';

/** No key, a malformed Authorization header, or a key that is unknown or revoked: 401. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

const actors = new WeakMap<Request, Actor>();

/** Longer than any key this API gives out; refused without hashing. */
const MAX_KEY_LENGTH = 200;

/**
 * Checks `Authorization: Bearer <key>` and remembers who is calling for the route. Keys are
 * looked up by hash on every request, so a revoked key is refused at once. Refused keys are
 * counted by the throttle (429 past its limits); a request without any key is not a guess.
 */
export function authenticate(apiKeys: ApiKeyService, throttle: AuthThrottle) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization');
    if (!header) throw new UnauthorizedError('Missing API key: send Authorization: Bearer <key>');
    const client = AuthThrottle.clientOf(req);
    await throttle.assertClientAllowed(client);
    const match = /^Bearer +(\S+)$/i.exec(header.trim());
    const record = match && match[1].length <= MAX_KEY_LENGTH ? await apiKeys.authenticate(match[1]) : undefined;
    if (!record) {
      await throttle.refused(client);
      throw new UnauthorizedError(match ? 'Unknown or revoked API key' : 'Malformed Authorization header: expected Bearer <key>');
    }
    actors.set(req, keyActor(record.id, record.ministryCode, record.centreCode, record.role));
    next();
  };
}

/** The caller of an authenticated request. */
export function actorOf(req: Request): Actor {
  const actor = actors.get(req);
  if (!actor) throw new UnauthorizedError('Missing API key: send Authorization: Bearer <key>');
  return actor;
}
