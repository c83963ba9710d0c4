import type { NextFunction, Request, Response } from 'express';
import { keyActor, type Actor } from '../services/access';
import type { ApiKeyService } from '../services/api-keys';

/** No key, a malformed Authorization header, or a key that is unknown or revoked: 401. */
export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

const actors = new WeakMap<Request, Actor>();

/** Longer than any key this API gives out; refused without hashing. */
const MAX_KEY_LENGTH = 200;

/**
 * Checks `Authorization: Bearer <key>` and remembers who is calling for the route. Keys are
 * looked up by hash on every request, so a revoked key is refused at once.
 */
export function authenticate(apiKeys: ApiKeyService) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const header = req.get('authorization');
    if (!header) throw new UnauthorizedError('Missing API key: send Authorization: Bearer <key>');
    const match = /^Bearer +(\S+)$/i.exec(header.trim());
    if (!match || match[1].length > MAX_KEY_LENGTH) throw new UnauthorizedError('Malformed Authorization header: expected Bearer <key>');
    const record = await apiKeys.authenticate(match[1]);
    if (!record) throw new UnauthorizedError('Unknown or revoked API key');
    actors.set(req, keyActor(record.id, record.ministryCode, record.centreCode));
    next();
  };
}

/** The caller of an authenticated request. */
export function actorOf(req: Request): Actor {
  const actor = actors.get(req);
  if (!actor) throw new UnauthorizedError('Missing API key: send Authorization: Bearer <key>');
  return actor;
}
