'use strict';
// Adds inert lockfile entries for optional dependencies the registry does not serve, so `npm ci`
// accepts the lockfile `npm install` wrote (npm/cli#9846: e.g. unrs-resolver's platform builds).
// Usage, after changing dependencies: node .ci/lockfile-placeholders.cjs package-lock.json
const fs = require('node:fs');

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
const packages = lock.packages;

function resolves(fromPath, name) {
  let path = fromPath;
  for (;;) {
    if (packages[path ? `${path}/node_modules/${name}` : `node_modules/${name}`]) return true;
    if (!path) return false;
    const cut = path.lastIndexOf('/node_modules/');
    path = cut >= 0 ? path.slice(0, cut) : '';
  }
}

let added = 0;
for (const [path, meta] of Object.entries(packages)) {
  for (const [name, range] of Object.entries(meta.optionalDependencies ?? {})) {
    if (resolves(path, name)) continue;
    packages[`node_modules/${name}`] = { version: range.replace(/^[\^~=]/, ''), dev: meta.dev, optional: true };
    added++;
  }
}
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
process.stdout.write(`lockfile placeholders added: ${added}\n`);
