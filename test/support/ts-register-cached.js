/**
 * Like ts-register.js (TypeScript sources in a plain `node` child process), with each
 * transpiled file kept on disk by path, size and modification time, so a test that starts the
 * same child twenty times (a dispatcher killed with SIGKILL again and again) pays for
 * TypeScript once: typescript itself is loaded only when a file is not cached yet.
 *   node -r ./test/support/ts-register-cached.js test/support/dispatcher-child.ts
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const CACHE = path.join(os.tmpdir(), 'lingkod-ts-cache');
fs.mkdirSync(CACHE, { recursive: true });
let ts;

require.extensions['.ts'] = (module, filename) => {
  const stat = fs.statSync(filename);
  const key = crypto.createHash('sha1').update(`${filename}|${stat.size}|${stat.mtimeMs}`).digest('hex');
  const cached = path.join(CACHE, `${key}.js`);
  let output;
  try {
    output = fs.readFileSync(cached, 'utf8');
  } catch {
    ts ??= require('typescript');
    const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false, inlineSourceMap: true };
    output = ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions: options, fileName: filename }).outputText;
    // Written whole under a temporary name, then renamed: a concurrent reader never sees half a file.
    const partial = `${cached}.${process.pid}`;
    fs.writeFileSync(partial, output);
    fs.renameSync(partial, cached);
  }
  module._compile(output, filename);
};
