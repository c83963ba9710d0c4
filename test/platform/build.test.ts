import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * `npm start` and `npm run admin` build first: a restart must not recompile everything. The
 * build script (scripts/build.cjs) is run on a small project of its own: the first build
 * compiles, a second with nothing changed compiles nothing, a changed file is compiled again.
 */
const ROOT = path.resolve(__dirname, '../..');
const BUILD = path.join(ROOT, 'scripts', 'build.cjs');
const run = promisify(execFile);

const packageJson = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };

describe('npm run build', () => {
  it('is the build script that skips what is current, and every command that builds first goes through it', () => {
    expect(packageJson.scripts.build).toBe('node scripts/build.cjs');
    for (const name of ['start', 'admin', 'migrate', 'catalog:import']) expect(packageJson.scripts[name]).toMatch(/^npm run build --silent && node dist\//);
    const buildConfig = JSON.parse(readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    expect(buildConfig.compilerOptions).toMatchObject({ incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo' });
  });

  describe('on a small project', () => {
    let project = '';
    const build = () => run(process.execPath, [BUILD], { env: { ...process.env, LINGKOD_BUILD_ROOT: project }, timeout: 60_000 });
    const output = (name: string) => path.join(project, 'dist', 'src', name);

    beforeAll(() => {
      project = mkdtempSync(path.join(os.tmpdir(), 'lingkod-build-'));
      mkdirSync(path.join(project, 'src'));
      writeFileSync(path.join(project, 'src', 'a.ts'), 'export const a: number = 1;\n');
      writeFileSync(path.join(project, 'src', 'b.ts'), "import { a } from './a';\nexport const b = a + 1;\n");
      writeFileSync(
        path.join(project, 'tsconfig.build.json'),
        JSON.stringify({ compilerOptions: { module: 'commonjs', target: 'ES2022', strict: true, types: [], outDir: 'dist', rootDir: '.', incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo' }, include: ['src'] }),
      );
    });
    afterAll(() => rmSync(project, { recursive: true, force: true }));

    it('compiles at first, then nothing while nothing changed, then a changed file again', async () => {
      await build();
      expect(readFileSync(output('b.js'), 'utf8')).toContain('a + 1');
      const stamp = statSync(path.join(project, 'dist', '.built')).mtimeMs;
      const compiled = statSync(output('a.js')).mtimeMs;

      await build();
      expect(statSync(path.join(project, 'dist', '.built')).mtimeMs).toBe(stamp);
      expect(statSync(output('a.js')).mtimeMs).toBe(compiled);

      writeFileSync(path.join(project, 'src', 'a.ts'), 'export const a: number = 2;\n');
      const later = new Date(stamp + 5_000);
      utimesSync(path.join(project, 'src', 'a.ts'), later, later);
      await build();
      expect(readFileSync(output('a.js'), 'utf8')).toContain('exports.a = 2');
      expect(statSync(path.join(project, 'dist', '.built')).mtimeMs).toBeGreaterThan(stamp);
    });

    it('fails (and marks nothing built) when the code does not compile', async () => {
      writeFileSync(path.join(project, 'src', 'a.ts'), 'export const a: number = "two";\n');
      const later = new Date(Date.now() + 10_000);
      utimesSync(path.join(project, 'src', 'a.ts'), later, later);
      await expect(build()).rejects.toMatchObject({ code: 2 });
      await expect(build()).rejects.toMatchObject({ code: 2 });
    });
  });
});
