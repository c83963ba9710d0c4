import { readFileSync } from 'node:fs';

/**
 * Summarises a V8 CPU profile (`node --cpu-prof`, or `BENCH_PROFILE=1 npm run bench`):
 * `node dist/bench/profile-summary.js FILE.cpuprofile [TOP]` prints where the time went, by
 * package or source file (self time), by function (self time), and by function including
 * what it called. The evidence behind the before/after figures in bench/RESULTS.md.
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** `package` for node_modules files, the path inside the repository for ours, the V8/Node label otherwise. */
function fileOf(url: string, functionName: string): string {
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1];
  const ours = /\/(dist\/)?((src|bench)\/.*)$/.exec(url);
  if (ours) return ours[2];
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').replace(/\/.*$/, '');
  return url || functionName;
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: profile-summary FILE.cpuprofile [TOP]');
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, index) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const idle = [...self].filter(([id]) => nodes.get(id)?.callFrame.functionName === '(idle)').reduce((sum, [, time]) => sum + time, 0);
  const total = [...self.values()].reduce((sum, time) => sum + time, 0) - idle;

  const label = (node: ProfileNode) => `${node.callFrame.functionName || '(anonymous)'} ${fileOf(node.callFrame.url, '')}:${node.callFrame.lineNumber + 1}`;
  const byFile = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, time] of self) {
    const node = nodes.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    const where = fileOf(node.callFrame.url, node.callFrame.functionName);
    byFile.set(where, (byFile.get(where) ?? 0) + time);
    byFunction.set(label(node), (byFunction.get(label(node)) ?? 0) + time);
    const seen = new Set<string>();
    for (let current: number | undefined = id; current !== undefined; current = parents.get(current)) {
      const frame = nodes.get(current);
      if (!frame) break;
      const name = label(frame);
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + time);
    }
  }
  const print = (title: string, map: Map<string, number>) => {
    process.stdout.write(`\n${title}\n`);
    for (const [name, time] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`${((100 * time) / total).toFixed(1).padStart(6)} %  ${name}\n`);
    }
  };
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s of CPU (idle excluded)\n`);
  print('self time by package or file', byFile);
  print('self time by function', byFunction);
  print('time including callees', inclusive);
}

main();
