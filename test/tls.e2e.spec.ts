import { randomBytes } from 'node:crypto';
import { copyFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { inspect } from 'node:util';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { buildDataSourceOptions, PostgresOptions } from '../src/database';
import { EMBEDDED_CREDENTIALS } from '../src/database/embedded/embedded-postgres.launcher';
import { describeConnectionFailure } from '../src/database/health/connection-failure';
import { DatabaseProbe, healthConnectionConfig } from '../src/database/health/database.probe';
import { startAppProcess } from './support/app-process';
import { EmbeddedServerProcess, startEmbeddedServerProcess, makeServerRoot } from './support/embedded-server-process';
import { getHealth, pollUntil } from './support/health-client';
import {
  createServerCertificate,
  createTestCa,
  TestCa,
  TestServerCertificate,
  tlsServerSettings,
} from './support/test-certificates';

const CANARY = `canary-${randomBytes(6).toString('hex')}`;
const ROLE = 'tls_app';
const DATABASE = 'tls_app';

/** Each session of the test role: its application name and whether pg_stat_ssl says it is encrypted. */
interface SslSession {
  application_name: string;
  ssl: boolean;
  version: string | null;
}

describe('TLS to a real PostgreSQL (ssl=on, a test CA, certificate for localhost only)', () => {
  let dir: string;
  let ca: TestCa;
  let otherCa: TestCa;
  let served: TestServerCertificate;
  let localhostCert: TestServerCertificate;
  let otherNameCert: TestServerCertificate;
  let server: EmbeddedServerProcess;
  const figures: Record<string, number | string> = {};

  const admin = async <T>(fn: (c: Client) => Promise<T>): Promise<T> => {
    const c = new Client({ host: '127.0.0.1', port: server.port, database: 'postgres', ...EMBEDDED_CREDENTIALS });
    await c.connect();
    try {
      return await fn(c);
    } finally {
      await c.end();
    }
  };
  const sslSessions = () =>
    admin(async (c) => {
      const { rows } = await c.query<SslSession>(
        `SELECT a.application_name, s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
          WHERE a.usename = $1 AND a.datname = $2 ORDER BY a.application_name`,
        [ROLE, DATABASE],
      );
      return rows;
    });
  const endSessions = () =>
    admin((c) => c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [ROLE]));
  const env = (host: string, vars: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
    DB_HOST: host,
    DB_PORT: String(server.port),
    DB_USER: ROLE,
    DB_PASSWORD: CANARY,
    DB_NAME: DATABASE,
    DB_CONNECT_TIMEOUT_MS: '5000',
    ...vars,
  });
  const verifyFull = (caFile = ca.certFile) => ({ DB_SSL: 'verify-full', DB_SSL_CA: caFile });

  /** Connects a DataSource with the module's options for `vars`; the caller destroys it. */
  async function connect(vars: NodeJS.ProcessEnv): Promise<DataSource> {
    const dataSource = new DataSource({ ...buildDataSourceOptions(vars), logging: false });
    return dataSource.initialize();
  }

  /** The error connecting with `vars` gives, checked for the canary wherever it is shown. */
  async function connectError(vars: NodeJS.ProcessEnv): Promise<Error & { code?: string }> {
    const error = await connect(vars).then(
      async (ds) => {
        await ds.destroy();
        throw new Error('connected, but should not have');
      },
      (e: Error & { code?: string }) => e,
    );
    for (const text of [error.message, String(error), error.stack, inspect(error, { depth: 6 })]) {
      expect(text ?? '').not.toContain(CANARY);
    }
    return error;
  }

  /** Serves `certificate` from the files PostgreSQL was started with, and reloads its TLS context. */
  async function serve(certificate: TestServerCertificate, check: (vars: NodeJS.ProcessEnv) => Promise<boolean>) {
    await copyFile(certificate.certFile, served.certFile);
    await copyFile(certificate.keyFile, served.keyFile);
    await admin((c) => c.query('SELECT pg_reload_conf()'));
    await pollUntil(() => check(env('localhost', verifyFull())), Boolean, { timeoutMs: 10_000, intervalMs: 100 });
  }

  beforeAll(async () => {
    dir = await makeServerRoot('nest-pg-tls-');
    const started = performance.now();
    ca = createTestCa(dir, 'test-ca');
    otherCa = createTestCa(dir, 'other-ca');
    localhostCert = createServerCertificate(dir, ca, 'localhost', ['localhost']);
    otherNameCert = createServerCertificate(dir, ca, 'other-name', ['db.example.net']);
    served = createServerCertificate(dir, ca, 'served', ['localhost']);
    figures.certificatesMs = Math.round(performance.now() - started);
    server = await startEmbeddedServerProcess(join(dir, 'data'), 0, tlsServerSettings(served));
    figures.serverStartMs = Math.round(performance.now() - started) - figures.certificatesMs;
    await admin(async (c) => {
      await c.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${CANARY}'`);
      await c.query(`CREATE DATABASE ${DATABASE} OWNER ${ROLE}`);
    });
  });

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
    process.stdout.write(`[tls figures] ${JSON.stringify(figures)}\n`);
  });

  describe('DB_SSL=verify-full with the CA that signed the server certificate', () => {
    it.each<[string, () => NodeJS.ProcessEnv]>([
      ['DB_HOST=localhost, DB_SSL_CA=<file>', () => env('localhost', verifyFull())],
      [
        'DATABASE_URL=…@localhost…?sslmode=verify-full, DB_SSL_CA=<file>',
        () => ({
          DATABASE_URL: `postgres://${ROLE}:${CANARY}@localhost:${server.port}/${DATABASE}?sslmode=verify-full`,
          DB_SSL_CA: ca.certFile,
        }),
      ],
    ])('%s: the pool and the health connection are encrypted (pg_stat_ssl)', async (_label, vars) => {
      const dataSource = await connect(vars());
      const probe = new DatabaseProbe(healthConnectionConfig(dataSource.options as PostgresOptions));
      try {
        expect(await dataSource.query('SELECT current_user AS who')).toEqual([{ who: ROLE }]);
        expect((await probe.check(5_000)).up).toBe(true);
        const sessions = await sslSessions();
        expect(sessions.map((s) => s.application_name)).toEqual(['nest-pg-database', 'nest-pg-database:health']);
        for (const session of sessions) expect(session).toMatchObject({ ssl: true, version: 'TLSv1.3' });
      } finally {
        await probe.close();
        await dataSource.destroy();
      }
    });
  });

  describe('fails clearly, and never shows the password', () => {
    it('with a CA that did not sign the server certificate (a second CA)', async () => {
      const error = await connectError(env('localhost', verifyFull(otherCa.certFile)));
      expect(error.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      expect(describeConnectionFailure(error, 1000)).toEqual({
        cause: 'TLS failed: the server certificate was not trusted',
        code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      });
    });

    it('with the system CAs (no DB_SSL_CA) for a server signed by a private CA', async () => {
      const error = await connectError(env('localhost', { DB_SSL: 'verify-full' }));
      expect(error.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });

    it('connecting to 127.0.0.1 while the certificate names only localhost', async () => {
      const error = await connectError(env('127.0.0.1', verifyFull()));
      expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
      expect(error.message).toMatch(/IP: 127\.0\.0\.1 is not in the cert's list/);
      expect(describeConnectionFailure(error, 1000).cause).toBe(
        'TLS failed: the server certificate does not name the host connected to',
      );
    });

    it('connecting to localhost while the server presents a certificate for db.example.net', async () => {
      const altNameRejected = (vars: NodeJS.ProcessEnv) =>
        connect(vars).then(
          (ds) => ds.destroy().then(() => false),
          (e: { code?: string }) => e.code === 'ERR_TLS_CERT_ALTNAME_INVALID',
        );
      await serve(otherNameCert, altNameRejected);
      try {
        const error = await connectError(env('localhost', verifyFull()));
        expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
        expect(error.message).toMatch(/Host: localhost\. is not in the cert's altnames: DNS:db\.example\.net/);
      } finally {
        await serve(localhostCert, (vars) => altNameRejected(vars).then((rejected) => !rejected));
      }
    });

    it('with a wrong password over verified TLS: the SQLSTATE, not the password', async () => {
      const error = await connectError(env('localhost', { ...verifyFull(), DB_PASSWORD: `${CANARY}-wrong` }));
      expect(error.code).toBe('28P01');
      expect(error.message).not.toContain('-wrong');
    });
  });

  it('the settings production refuses really are weaker: sslmode=no-verify accepts an untrusted server, no TLS is plain', async () => {
    const noVerify = await connect({
      DATABASE_URL: `postgres://${ROLE}:${CANARY}@127.0.0.1:${server.port}/${DATABASE}?sslmode=no-verify`,
    });
    const plain = await connect(env('127.0.0.1', { DB_SSL: 'disable' }));
    try {
      const sessions = await sslSessions();
      expect(sessions.map((s) => s.ssl).sort()).toEqual([false, true]);
    } finally {
      await noVerify.destroy();
      await plain.destroy();
    }
  });

  describe('the service as a process with NODE_ENV=production', () => {
    let cwd: string;
    beforeAll(async () => {
      cwd = await makeServerRoot('nest-pg-tls-app-');
    });
    afterAll(() => rm(cwd, { recursive: true, force: true }));

    it('starts with DB_SSL=verify-full, migrates and serves /health with every connection encrypted', async () => {
      await endSessions();
      const started = performance.now();
      const app = startAppProcess(cwd, {
        NODE_ENV: 'production',
        DB_MIGRATIONS_RUN: 'true',
        ...env('localhost', verifyFull()),
      });
      try {
        const port = await app.listening();
        figures.productionAppStartMs = Math.round(performance.now() - started);
        const health = await getHealth(`http://127.0.0.1:${port}`);
        expect(health.status).toBe(200);
        expect((await getHealth(`http://127.0.0.1:${port}`, '/users')).status).toBe(200); // a pool connection
        const sessions = await sslSessions();
        expect(new Set(sessions.map((s) => s.application_name))).toEqual(
          new Set(['nest-pg-database', 'nest-pg-database:health']),
        );
        expect(sessions.filter((s) => !s.ssl)).toEqual([]);
        expect(app.output()).not.toContain(CANARY);
        expect(JSON.stringify(health.body)).not.toContain(CANARY);
      } finally {
        await app.stop();
      }
    });

    it('exits non-zero with a wrong CA, saying the certificate was not trusted, without the password', async () => {
      const started = performance.now();
      const app = startAppProcess(cwd, { NODE_ENV: 'production', ...env('localhost', verifyFull(otherCa.certFile)) });
      expect(await app.exited()).toBe(1);
      figures.wrongCaExitMs = Math.round(performance.now() - started);
      const output = app.output();
      figures.wrongCaOutput =
        output
          .split('\n')
          .filter((l) => /startup failed|ERROR/.test(l))
          .slice(-1)[0] ?? '';
      expect(output).toMatch(
        /startup failed: TLS verification failed: the server's TLS certificate is not signed by a trusted CA; set DB_SSL_CA to the CA certificate that signed it .*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE: unable to verify the first certificate\)/,
      );
      expect(output).not.toContain(CANARY);
    });

    it.each<[string, () => NodeJS.ProcessEnv, RegExp]>([
      [
        '?sslmode=require',
        () => ({ DATABASE_URL: `postgres://${ROLE}:${CANARY}@localhost:${server.port}/${DATABASE}?sslmode=require` }),
        /DATABASE_URL: has sslmode=require, which libpq .* requires sslmode=verify-full: use it, or set DB_SSL=verify-full and DB_SSL_CA=</,
      ],
      [
        'no TLS to a host off this machine',
        () => ({ DATABASE_URL: `postgres://${ROLE}:${CANARY}@db.example.net:5432/${DATABASE}` }),
        /DB_SSL: is not set \(no TLS\), but production \(NODE_ENV=production\) requires TLS .*set DB_SSL=verify-full and DB_SSL_CA=</,
      ],
    ])('refuses to start with %s, naming the variable and the fix', async (_label, vars, message) => {
      const app = startAppProcess(cwd, { NODE_ENV: 'production', ...vars() });
      expect(await app.exited()).toBe(1);
      expect(app.output()).toMatch(message);
      expect(app.output()).not.toContain(CANARY);
      expect(app.output()).not.toMatch(/\n\s+at /); // no stack trace
    });
  });
});
