import { publishTestingServer, testingServer, withdrawTestingServer } from './testing-env';
import { TestingSetupError } from './testing-setup.error';

describe('testingServer', () => {
  it('reads back what the global setup published, and nothing once withdrawn', () => {
    const env: NodeJS.ProcessEnv = {};
    publishTestingServer({ adminUrl: 'postgres://u:p@127.0.0.1:5432/postgres', template: 'test_1' }, env);
    expect(env).toEqual({ TEST_PG_ADMIN_URL: 'postgres://u:p@127.0.0.1:5432/postgres', TEST_PG_TEMPLATE: 'test_1' });
    expect(testingServer(env)).toEqual({ adminUrl: 'postgres://u:p@127.0.0.1:5432/postgres', template: 'test_1' });
    withdrawTestingServer(env);
    expect(env).toEqual({});
  });

  it('without the global setup, says how to add it to the jest config', () => {
    const error = (() => {
      try {
        testingServer({});
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TestingSetupError);
    expect((error as Error).message).toMatch(/TEST_PG_ADMIN_URL is not set/);
    expect((error as Error).message).toMatch(/globalSetup: .*createPostgresGlobalSetup/);
    expect((error as Error).message).toMatch(/globalTeardown: .*postgresGlobalTeardown/);
  });
});
