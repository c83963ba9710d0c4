import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import { assertNotCentre, assertSuperAdmin, InvalidError, type Actor } from '../services/access';
import { controlCharacterPath } from '../services/plain-text';
import { actorOf } from './auth';

const empty = z.strictObject({});
type Empty = typeof empty;

/** What a handler is given: the validated path, query and body, and who is calling. */
export interface RouteInput<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  params: z.output<P>;
  query: z.output<Q>;
  body: z.output<B>;
  actor: Actor;
}

/**
 * One API operation, declared once: its path, the zod schemas of what it takes and returns,
 * and its handler. The router mounts it; the OpenAPI document is generated from it; the
 * authorization test walks every one of them.
 */
export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType> {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express syntax under /api/v1: `/requests/:reference/status`. */
  path: string;
  tag: string;
  summary: string;
  description?: string;
  /** Only super-admin keys may call it (refused with 403 before the input is read). */
  superAdminOnly?: boolean;
  /** A service centre's key may call it; every other route refuses centre keys with 403. */
  forCentres?: boolean;
  params?: P;
  query?: Q;
  body?: B;
  response: R;
  /** 200 unless it creates something (201). */
  status?: 200 | 201;
  /** Error statuses worth documenting beyond 400, 401 and 403 (404 is added for paths with parameters). */
  errors?: (404 | 409 | 503)[];
  handle(input: RouteInput<P, Q, B>): Promise<z.input<R>>;
  /** Also answers CSV (to `Accept: text/csv`): the response as a spreadsheet's rows (reports). */
  csv?: (result: z.input<R>) => string;
}

/** A route with its types erased, as the router and the document generator see it. */
export interface Route {
  operationId: string;
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  tag: string;
  summary: string;
  description?: string;
  superAdminOnly: boolean;
  forCentres: boolean;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  response: z.ZodType;
  status: 200 | 201;
  errors: number[];
  /** Answers text/csv too. */
  csv: boolean;
  run(req: Request, res: Response): Promise<void>;
}

/** Declares a route; the types of the handler's input follow from the schemas given. */
export function route<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty, R extends z.ZodType = z.ZodType>(
  spec: RouteSpec<P, Q, B, R>,
): Route {
  const status = spec.status ?? 200;
  return {
    operationId: spec.operationId,
    method: spec.method,
    path: spec.path,
    tag: spec.tag,
    summary: spec.summary,
    description: spec.description,
    superAdminOnly: spec.superAdminOnly ?? false,
    forCentres: spec.forCentres ?? false,
    params: spec.params,
    query: spec.query,
    body: spec.body,
    response: spec.response,
    status,
    errors: [...(spec.path.includes(':') ? [404] : []), ...(spec.errors ?? [])],
    csv: spec.csv !== undefined,
    async run(req, res) {
      const actor = actorOf(req);
      if (spec.superAdminOnly) assertSuperAdmin(actor, spec.summary.charAt(0).toLowerCase() + spec.summary.slice(1));
      if (!spec.forCentres) assertNotCentre(actor);
      // Each part is parsed on its own so a problem's path says where it is: params.id, query.limit, body.texts.en.
      const params = parsePart('params', spec.params ?? empty, req.params);
      const query = parsePart('query', spec.query ?? empty, req.query);
      const body = parsePart('body', spec.body ?? z.unknown(), req.body);
      const result = await spec.handle({ params, query, body, actor } as RouteInput<P, Q, B>);
      if (spec.csv && req.accepts(['application/json', 'text/csv']) === 'text/csv') {
        res.status(status).type('text/csv; charset=utf-8').send(spec.csv(result));
        return;
      }
      res.status(status).json(result);
    },
  };
}

/** A request whose path, query or body does not match its schema; the problems say where. */
export class InputError extends InvalidError {
  override readonly name = 'InputError';
  constructor(readonly issues: { path: string; message: string }[]) {
    super('The request is not valid');
  }
}

/** What a text with a control character is told; every route says the same. */
export const CONTROL_CHARACTER_MESSAGE = 'must not contain NUL or other control characters (only tab and newline)';

/**
 * Parses one part of a request. Before its schema, every string in it (and every object key)
 * is checked for control characters, once for every route: text fields never store a NUL
 * (PostgreSQL refuses it: a 500 before this) nor the other control characters.
 */
function parsePart(part: string, schema: z.ZodType, value: unknown): unknown {
  const unsafe = controlCharacterPath(value);
  if (unsafe) throw new InputError([{ path: [part, ...unsafe].join('.'), message: CONTROL_CHARACTER_MESSAGE }]);
  const result = schema.safeParse(value ?? (part === 'body' ? undefined : {}));
  if (result.success) return result.data;
  if (part === 'body' && value === undefined) throw new InputError([{ path: 'body', message: 'a JSON body is required (Content-Type: application/json)' }]);
  throw new InputError(result.error.issues.map((issue) => ({ path: [part, ...issue.path.map(String)].join('.'), message: issue.message })));
}

/** Mounts every route on the router. */
export function mountRoutes(router: Router, routes: Route[]): void {
  for (const spec of routes) router[spec.method](spec.path, (req: Request, res: Response) => spec.run(req, res));
}
