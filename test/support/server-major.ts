import { execFileSync } from 'node:child_process';
import { TESTING_ENV } from '../../src/testing/testing.constants';

const ASK = `
const { Client } = require(process.env.PG_MODULE);
const client = new Client({ connectionString: process.env.PG_URL });
client
  .connect()
  .then(() => client.query('SHOW server_version_num'))
  .then((r) => process.stdout.write(r.rows[0].server_version_num))
  .then(() => client.end())
  .catch((error) => { process.stderr.write(String(error.message)); process.exit(1); });
`;

/**
 * The major version of the run's PostgreSQL (the Jest global setup's server), read synchronously
 * by a child process, so a test file can decide when Jest collects it which cases the server runs.
 */
export function serverMajorVersionSync(): number {
  const url = process.env[TESTING_ENV.adminUrl];
  if (!url) throw new Error(`${TESTING_ENV.adminUrl} is not set: run the tests through Jest's global setup`);
  const out = execFileSync(process.execPath, ['-e', ASK], {
    env: { ...process.env, PG_MODULE: require.resolve('pg'), PG_URL: url },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return Math.floor(Number(out) / 10_000);
}
