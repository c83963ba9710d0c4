/**
 * Lets a plain `node` child process run the TypeScript sources, for tests that need a real
 * second process (a dispatcher killed with SIGKILL, the admin command):
 *   node -r ./test/support/ts-register.js test/support/dispatcher-child.ts
 * Each .ts file is transpiled to CommonJS on require (no type check: `tsc --noEmit` does that).
 */
const fs = require('node:fs');
const ts = require('typescript');

const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, sourceMap: false, inlineSourceMap: true };

require.extensions['.ts'] = (module, filename) => {
  const source = fs.readFileSync(filename, 'utf8');
  const { outputText } = ts.transpileModule(source, { compilerOptions: options, fileName: filename });
  module._compile(outputText, filename);
};
