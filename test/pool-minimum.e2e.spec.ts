import { Test, TestingModule } from '@nestjs/testing';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { appDatabaseModuleOptions } from '../src/app.data-source';
import { DatabaseModule, DatabaseService } from '../src/database';
import { pollUntil } from './support/health-client';
import { startTcpProxy, TcpProxy } from './support/tcp-proxy';
import { createTestDatabase, TestDatabase } from './support/test-database';

const MIN = 3;

describe('DB_POOL_MIN opens its connections (counted in pg_stat_activity)', () => {
  let db: TestDatabase;
  let observer: Client;
  beforeAll(async () => {
    db = await createTestDatabase();
    observer = new Client({ connectionString: db.url, application_name: 'pool-min-observer' });
    await observer.connect();
  });
  afterAll(async () => {
    await observer?.end();
    await db?.drop();
  });

  /** Sessions of `applicationName` on this file's database, as the server sees them. */
  async function sessions(applicationName: string): Promise<number> {
    const { rows } = await observer.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()',
      [applicationName],
    );
    return rows[0].n;
  }

  async function start(env: NodeJS.ProcessEnv, extra: object = {}): Promise<TestingModule> {
    const options = { ...appDatabaseModuleOptions({ ...db.env, ...env }), ...extra };
    const moduleRef = await Test.createTestingModule({ imports: [DatabaseModule.forRoot(options)] }).compile();
    await moduleRef.init();
    return moduleRef;
  }

  const applicationName = () => `pool-min-${randomBytes(4).toString('hex')}`;

  // Regression: pg's `min` only kept idle connections from being closed, so the pool held the one
  // connection TypeORM's startup used until traffic opened more (fixed: opened in the background).
  it('opens the minimum after startup, without any traffic, and keeps it', async () => {
    const name = applicationName();
    const moduleRef = await start({ DB_POOL_MIN: String(MIN), DB_APPLICATION_NAME: name });
    try {
      expect(
        await pollUntil(
          () => sessions(name),
          (n) => n >= MIN,
        ),
      ).toBe(MIN);
      expect(moduleRef.get(DatabaseService).getStats().pool).toMatchObject({ total: MIN, idle: MIN });
    } finally {
      await moduleRef.close();
    }
    expect(
      await pollUntil(
        () => sessions(name),
        (n) => n === 0,
      ),
    ).toBe(0);
  });

  it('opens nothing more without DB_POOL_MIN', async () => {
    const name = applicationName();
    const moduleRef = await start({ DB_APPLICATION_NAME: name });
    try {
      await moduleRef.get(DatabaseService).query('SELECT 1');
      expect(await sessions(name)).toBe(1);
    } finally {
      await moduleRef.close();
    }
  });

  describe('after a degraded start', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = await startTcpProxy(Number(new URL(db.url).port));
      await proxy.cut(); // nothing listens on its port: the database is unreachable at startup
    });
    afterAll(() => proxy?.close());

    it('opens the minimum once the database answers', async () => {
      const name = applicationName();
      const url = new URL(db.url);
      url.port = String(proxy.port);
      const moduleRef = await start(
        { DATABASE_URL: url.toString(), DB_POOL_MIN: String(MIN), DB_APPLICATION_NAME: name },
        { requireAtStartup: false, connectRetryDelayMs: 50, connectRetryMaxDelayMs: 200 },
      );
      try {
        const database = moduleRef.get(DatabaseService);
        expect(database.getStats().connection.phase).toBe('connecting');
        expect(await sessions(name)).toBe(0);
        await proxy.restore();
        await pollUntil(
          async () => database.getStats().connection.phase,
          (phase) => phase === 'ready',
        );
        expect(
          await pollUntil(
            () => sessions(name),
            (n) => n >= MIN,
          ),
        ).toBe(MIN);
      } finally {
        await moduleRef.close();
      }
    });
  });
});
