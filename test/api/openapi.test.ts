import SwaggerParser from '@apidevtools/swagger-parser';
import request from 'supertest';
import { apiRoutes } from '../../src/api';
import { startApi, type ApiHarness } from '../support/api';
import { databaseBackends } from '../support/stores';

describe('the OpenAPI document', () => {
  let api: ApiHarness;
  let document: Record<string, unknown>;

  beforeAll(async () => {
    // The document does not depend on the records store: the quickest one to open will do.
    const backends = databaseBackends();
    api = await startApi(await backends[backends.length - 1].open());
    const response = await request(api.app).get('/api/v1/openapi.json');
    expect(response.status).toBe(200);
    document = response.body;
  });
  afterAll(async () => {
    await api.context.close();
  });

  it('is served without a key and is a valid OpenAPI 3.1 document', async () => {
    expect(document.openapi).toBe('3.1.0');
    // validate() checks the document against the OpenAPI 3.1 schema and resolves every $ref; it mutates, so it gets a copy.
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it('would be refused if it were broken (the check is real)', async () => {
    const broken = structuredClone(document) as { paths: Record<string, Record<string, { parameters?: unknown[] }>> };
    broken.paths['/ministries'].get.parameters = [{ in: 'nowhere', name: 'x', schema: { type: 'string' } }];
    await expect(SwaggerParser.validate(broken as never)).rejects.toThrow();
  });

  it('describes every route the API mounts, with the bearer key required', () => {
    const paths = document.paths as Record<string, Record<string, { operationId: string; security?: unknown[] }>>;
    const documented = Object.values(paths).flatMap((operations) => Object.values(operations).map((operation) => operation.operationId));
    const mounted = apiRoutes(api.context.admin).map((route) => route.operationId);
    expect(documented.sort()).toEqual([...mounted, 'getOpenApiDocument'].sort());
    expect(document.security).toEqual([{ bearerAuth: [] }]);
    expect(paths['/openapi.json'].get.security).toEqual([]);
  });

  it('documents each path parameter, and the body the route validates', () => {
    const paths = document.paths as Record<string, Record<string, { parameters?: { in: string; name: string }[]; requestBody?: { content: Record<string, { schema: { properties?: object } }> } }>>;
    const status = paths['/requests/{reference}/status'].post;
    expect(status.parameters).toContainEqual(expect.objectContaining({ in: 'path', name: 'reference' }));
    expect(Object.keys(status.requestBody?.content['application/json'].schema.properties ?? {})).toEqual(['status', 'note', 'allowBackwards']);
    const list = paths['/requests'].get;
    expect(list.parameters?.map((parameter) => parameter.name)).toEqual(['ministry', 'status', 'service', 'municipality', 'from', 'to', 'limit', 'cursor', 'order', 'clock']);
  });
});
