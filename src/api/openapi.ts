import { z } from 'zod';
import type { Route } from './route';
import { errorBody } from './schemas';

/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1) as zod writes it. */
type JsonSchema = Record<string, unknown>;

/** The zod schema as JSON Schema: what the API accepts (`input`) or what it returns (`output`). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', reused: 'inline' }) as JsonSchema;
  return rest;
}

/** The properties of an object schema, each as its own JSON Schema, with whether it is required. */
function properties(schema: z.ZodType): { name: string; schema: JsonSchema; required: boolean; description?: string }[] {
  const object = jsonSchema(schema, 'input');
  const props = (object.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((object.required ?? []) as string[]);
  return Object.entries(props).map(([name, property]) => {
    const { description, ...rest } = property;
    return { name, schema: rest, required: required.has(name), ...(typeof description === 'string' ? { description } : {}) };
  });
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is not valid (also: a NUL or other control character in any text); `issues` says where',
  401: 'No API key, or an unknown or revoked one',
  403: "The key may not do this (another ministry's, super-admin only, or an officer's key making keys)",
  404: "No such record, or another ministry's (the same answer)",
  409: 'The record is not in a state that allows this',
  429: 'Too many refused API keys from this address (AUTH_FAILURES_PER_CLIENT), or unknown keys while everyone\'s refusals are past AUTH_FAILURES_TOTAL; see Retry-After',
  503: 'The records store is unavailable',
};

/** `/requests/:reference` → `/requests/{reference}`. */
function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * The OpenAPI 3.1 document of the API, generated from the same route declarations and zod
 * schemas that validate every request, so the document cannot drift from the behaviour.
 */
export function openApiDocument(routes: Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [
      ...(route.params ? properties(route.params).map((p) => ({ in: 'path', name: p.name, required: true, schema: p.schema, ...(p.description ? { description: p.description } : {}) })) : []),
      ...(route.query ? properties(route.query).map((p) => ({ in: 'query', name: p.name, required: p.required, schema: p.schema, ...(p.description ? { description: p.description } : {}) })) : []),
    ];
    const errors = [400, 401, 403, ...route.errors, 429].sort();
    paths[openApiPath(route.path)] ??= {};
    paths[openApiPath(route.path)][route.method] = {
      operationId: route.operationId,
      tags: [route.tag],
      summary: route.summary,
      ...(route.description || route.superAdminOnly
        ? { description: [route.description, route.superAdminOnly ? 'Super-admin keys only.' : undefined].filter(Boolean).join('\n\n') }
        : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body, 'input') } } } } : {}),
      responses: {
        [String(route.status)]: {
          description: route.status === 201 ? 'Created' : 'OK',
          content: { 'application/json': { schema: jsonSchema(route.response, 'output') }, ...(route.csv ? { 'text/csv': { schema: { type: 'string' } } } : {}) },
        },
        ...Object.fromEntries(errors.map((status) => [String(status), { $ref: `#/components/responses/Error${status}` }])),
      },
    };
  }
  paths['/openapi.json'] = {
    get: {
      operationId: 'getOpenApiDocument',
      tags: ['meta'],
      summary: 'This document',
      security: [],
      responses: { '200': { description: 'The OpenAPI 3.1 document', content: { 'application/json': { schema: { type: 'object' } } } } },
    },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'Lingkod ministries API',
      version,
      description:
        'Manage ministries, API keys, the service catalog, citizens\u2019 requests and broadcasts. Every call needs `Authorization: Bearer <key>`. ' +
        "A ministry's key reaches only that ministry's records (403 otherwise; 404 for a record named by reference or id, as if it did not exist); a super-admin key reaches all. " +
        'Every key names its holder; two-person approval compares holders. Every change is in the audit log.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearerAuth: [] }],
    tags: [...new Set(routes.map((route) => route.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key: `npm run admin -- create-key --ministry CODE`, POST /keys, or ADMIN_API_KEY.' } },
      schemas: { Error: jsonSchema(errorBody, 'output') },
      responses: Object.fromEntries(
        Object.entries(ERROR_DESCRIPTIONS).map(([status, description]) => [
          `Error${status}`,
          { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
        ]),
      ),
    },
  };
}
