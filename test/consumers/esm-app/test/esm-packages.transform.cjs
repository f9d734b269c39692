'use strict';
// NestJS 12 is ESM only. The app loads it through Node's require(esm), but Jest's sandbox cannot
// before Node 24.9, so test files get it compiled to CommonJS here (`import.meta` rewritten).
// Jest's global setup runs outside the sandbox (no JEST_WORKER_ID yet), where Node loads it as is.
const { readFileSync } = require('node:fs');
const ts = require('typescript');

const SELF = readFileSync(__filename, 'utf8');

const IMPORT_META = [
  [/^const require = \w*\.?createRequire\(import\.meta\.url\);$/gm, ''],
  [/import\.meta\.url/g, "require('node:url').pathToFileURL(__filename).href"],
  [/import\.meta\.dirname/g, '__dirname'],
  [/import\.meta\.filename/g, '__filename'],
  [/import\.meta\.resolve\(/g, "((s) => require('node:url').pathToFileURL(require.resolve(s)).href)("],
];

module.exports = {
  getCacheKey(source, path) {
    return `${SELF}:${process.env.JEST_WORKER_ID === undefined ? 'native' : 'cjs'}:${ts.version}:${path}:${source}`;
  },
  process(source, path) {
    if (process.env.JEST_WORKER_ID === undefined) return { code: source };
    let code = source;
    for (const [pattern, replacement] of IMPORT_META) code = code.replace(pattern, replacement);
    const compilerOptions = {
      allowJs: true,
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2023,
      esModuleInterop: true,
    };
    return { code: ts.transpileModule(code, { fileName: path, compilerOptions }).outputText };
  },
};
