// `npm start`'s build: compiles only what changed since the last build (`tsc -b`, incremental, its
// state in dist/tsconfig.build.tsbuildinfo; nothing to do takes well under a second) and first
// removes compiled files whose source is gone, so that a deleted or renamed migration never runs
// from a stale dist/. `npm run build` (nest build) still empties dist/ and compiles everything.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, rmSync } = require('node:fs');
const { join, relative } = require('node:path');

const ROOT = process.cwd(); // npm runs scripts in the package's directory
const OUT_DIR = join(ROOT, 'dist');
const OUTPUT = /\.(js|js\.map|d\.ts|d\.ts\.map)$/;

/** Compiled files under `dir` whose `.ts` source no longer exists (the build's rootDir is the repository). */
function orphans(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return orphans(path);
    if (!OUTPUT.test(entry.name)) return [];
    const source = join(ROOT, relative(OUT_DIR, path).replace(OUTPUT, '.ts'));
    return existsSync(source) ? [] : [path];
  });
}

for (const file of orphans(OUT_DIR)) {
  rmSync(file);
  process.stdout.write(`removed ${relative(ROOT, file)}: its source is gone\n`);
}
const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
const build = spawnSync(process.execPath, [tsc, '-b', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
process.exit(build.status ?? 1);
