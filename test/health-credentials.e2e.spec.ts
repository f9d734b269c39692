import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess, startAppProcess } from './support/app-process';
import { getHealth, HealthAnswer, pollUntil } from './support/health-client';
import { createTestDatabase, HARNESS_ENV, TestDatabase, withAdminClient } from './support/test-database';

const CANARY = `Canary-Pa55-${randomBytes(4).toString('hex')}`;
const ROTATED = `Rotated-Pa55-${randomBytes(4).toString('hex')}`;

function expectNoSecret(text: string): void {
  expect(text).not.toContain(CANARY);
  expect(text).not.toContain(ROTATED);
  expect(text).not.toMatch(/postgres(ql)?:\/\/[^\s"]*@/);
}

describe('/health with a rotated password and a dropped database (the app as a process, a canary password)', () => {
  const adminUrl = process.env[HARNESS_ENV.adminUrl]!;
  const role = `health_canary_${randomBytes(4).toString('hex')}`;
  let db: TestDatabase;
  let cwd: string;
  let app: AppProcess;
  let baseUrl: string;

  // Ends the role's sessions (the health connection and the pool's), so the next check connects anew.
  const endSessions = () =>
    withAdminClient(adminUrl, (c) =>
      c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]),
    );
  const downWith = (message: string) =>
    pollUntil(
      () => getHealth(baseUrl),
      (a: HealthAnswer) => a.body.error?.database?.message === message,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    await withAdminClient(adminUrl, (c) => c.query(`CREATE ROLE ${role} LOGIN PASSWORD '${CANARY}'`));
    await withAdminClient(db.url, (c) => c.query(`GRANT SELECT ON ALL TABLES IN SCHEMA public TO ${role}`));
    const url = new URL(db.url);
    url.username = role;
    url.password = CANARY;
    cwd = await mkdtemp(join(tmpdir(), 'nest-pg-canary-'));
    await chmod(cwd, 0o755);
    app = startAppProcess(cwd, { NODE_ENV: 'test', DATABASE_URL: url.toString() });
    baseUrl = `http://127.0.0.1:${await app.listening()}`;
  });

  afterAll(async () => {
    await app?.stop();
    await db?.drop();
    await withAdminClient(adminUrl, (c) => c.query(`DROP ROLE IF EXISTS ${role}`));
    await rm(cwd, { recursive: true, force: true });
  });

  it('is up with the right password', async () => {
    expect((await getHealth(baseUrl)).status).toBe(200);
  });

  it('says "authentication failed" once the password no longer matches, and shows no secret', async () => {
    await withAdminClient(adminUrl, (c) => c.query(`ALTER ROLE ${role} PASSWORD '${ROTATED}'`));
    await endSessions();
    const down = await downWith('authentication failed (wrong password)');
    expect(down.status).toBe(503);
    expect(down.body.error.database).toMatchObject({ status: 'down', code: '28P01' });
    expectNoSecret(JSON.stringify(down.body));
  });

  it('says "database does not exist" once the database is gone, and shows no secret', async () => {
    await withAdminClient(adminUrl, (c) => c.query(`ALTER ROLE ${role} PASSWORD '${CANARY}'`));
    await db.drop();
    await endSessions();
    const down = await downWith('database does not exist');
    expect(down.status).toBe(503);
    expect(down.body.error.database).toMatchObject({ status: 'down', code: '3D000' });
    expectNoSecret(JSON.stringify(down.body));
  });

  it('logged each cause, and never a secret', async () => {
    const output = app.output();
    expect(output).toMatch(/database down: authentication failed \(wrong password\) \(28P01\)/);
    expect(output).toMatch(/database down: database does not exist \(3D000\)/);
    expectNoSecret(output);
    expect(app.child.exitCode).toBeNull();
  });
});
