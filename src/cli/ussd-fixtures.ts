import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

/**
 * `npm run ussd:fixtures -- <family> [baseUrl] [token]`: replays a gateway family's recorded
 * session (src/channels/<family>/fixtures/session.json, request bodies shaped as the provider's
 * documentation shows them) against a running Lingkod, hop by hop, and prints each request and
 * answer, so an operator can try a gateway configuration (token, allowed addresses, proxy,
 * screen limits) before the gateway itself is pointed at it.
 *
 * baseUrl defaults to http://127.0.0.1:3000; the token to USSD_TOKEN from the environment. It
 * is sent as `?token=` as the gateway sends it, and never printed. Each run uses fresh session
 * ids (the fixture's, with a suffix), so a second run is a new session and not a retry.
 */

/** A fixture manifest (HELPERS.md): one per family. */
const manifestSchema = z.object({
  family: z.string().regex(/^[a-z][a-z0-9-]*$/),
  path: z.string().regex(/^\/[a-z0-9/_-]*$/),
  method: z.enum(['GET', 'POST']),
  contentType: z.enum(['application/x-www-form-urlencoded', 'application/json']),
  source: z.string().min(1),
  hops: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))).min(1),
});
export type FixtureManifest = z.infer<typeof manifestSchema>;

/** One replayed hop: what was sent (token masked) and what came back. */
export interface ReplayedHop {
  request: string;
  status: number;
  body: string;
}

/** The repository root: the nearest folder above this file with a package.json (src/cli or dist/src/cli). */
function repositoryRoot(from = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the repository root (no package.json above this script)');
    dir = parent;
  }
  return dir;
}

/** Reads and checks src/channels/<family>/fixtures/session.json. */
export function loadFixture(family: string, root = repositoryRoot()): FixtureManifest {
  if (!/^[a-z][a-z0-9-]*$/.test(family)) throw new Error(`not a family name: ${family}`);
  const file = path.join(root, 'src', 'channels', family, 'fixtures', 'session.json');
  if (!existsSync(file)) throw new Error(`no fixtures for ${family}: ${path.relative(root, file)} does not exist`);
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${path.relative(root, file)} is not a fixture manifest: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  if (parsed.data.family !== family) throw new Error(`${path.relative(root, file)} says it is ${parsed.data.family}, not ${family}`);
  return parsed.data;
}

/** A field that names the gateway's session (sessionId, SESSIONID, session_id, sessionID…). */
const SESSION_FIELD = /^session_?id$/i;

/** The hops with every session id made unique to this run. */
function freshSessions(hops: FixtureManifest['hops'], suffix: string): Record<string, string>[] {
  return hops.map((hop) =>
    Object.fromEntries(Object.entries(hop).map(([name, value]) => [name, SESSION_FIELD.test(name) ? `${String(value)}-${suffix}` : String(value)])),
  );
}

/**
 * Sends the manifest's hops in order to `baseUrl`, as the gateway would, and prints each
 * request and answer through `print`. Resolves with every hop; stops at the first answer that
 * is not a 200 (the session is over for the gateway then).
 */
export async function replay(manifest: FixtureManifest, { baseUrl, token, print = (line) => process.stdout.write(`${line}\n`) }: { baseUrl: string; token?: string; print?: (line: string) => void }): Promise<ReplayedHop[]> {
  const done: ReplayedHop[] = [];
  const suffix = randomBytes(4).toString('hex');
  print(`${manifest.family}: ${manifest.hops.length} hops to ${baseUrl}${manifest.path} (fields from ${manifest.source})`);
  for (const hop of freshSessions(manifest.hops, suffix)) {
    const url = new URL(manifest.path, baseUrl);
    if (token !== undefined && token !== '') url.searchParams.set('token', token);
    const init: RequestInit = { method: manifest.method };
    let shown: string;
    if (manifest.method === 'GET') {
      for (const [name, value] of Object.entries(hop)) url.searchParams.append(name, value);
      shown = `GET ${masked(url)}`;
    } else {
      const body = manifest.contentType === 'application/json' ? JSON.stringify(hop) : new URLSearchParams(hop).toString();
      init.body = body;
      init.headers = { 'content-type': manifest.contentType };
      shown = `POST ${masked(url)}  ${body}`;
    }
    print(`> ${shown}`);
    const response = await fetch(url, init);
    const body = await response.text();
    print(`< ${response.status} ${body.replace(/\n/g, '\n  ')}`);
    done.push({ request: shown, status: response.status, body });
    if (response.status !== 200) break;
  }
  return done;
}

/** The URL as printed: path and query, the token replaced. */
function masked(url: URL): string {
  const copy = new URL(url);
  if (copy.searchParams.has('token')) copy.searchParams.set('token', 'TOKEN');
  return `${copy.pathname}${copy.search}`.replace('token=TOKEN', 'token=…');
}

async function main(argv: string[]): Promise<number> {
  const [family, baseUrl = 'http://127.0.0.1:3000', token = process.env.USSD_TOKEN] = argv;
  if (!family) {
    process.stderr.write('usage: npm run ussd:fixtures -- <family> [baseUrl] [token]   (token defaults to USSD_TOKEN)\n');
    return 2;
  }
  const hops = await replay(loadFixture(family), { baseUrl, token });
  const failed = hops.some((hop) => hop.status !== 200);
  process.stdout.write(failed ? 'A hop was not answered 200: see above.\n' : `All ${hops.length} hops answered 200.\n`);
  return failed ? 1 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      process.stderr.write(`ussd:fixtures failed: ${(error as Error).message}${cause ? ` (${cause}: is Lingkod listening there?)` : ''}\n`);
      process.exit(1);
    },
  );
}
