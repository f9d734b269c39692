import type { DataSource } from 'typeorm';
import { returningOldSupport } from './server-version';

describe('returningOldSupport', () => {
  const dataSource = (version?: string) => ({ driver: { version } }) as unknown as DataSource;

  it('is settled at once when the version is known', () => {
    const ds = dataSource('17.6');
    const supported = returningOldSupport(ds);
    (ds.driver as { version?: string }).version = '18.1';
    expect(supported()).toBe(false);
    expect(returningOldSupport(dataSource('18.1 (Debian)'))()).toBe(true);
  });

  it('learns the version when it becomes known (built during a degraded start)', () => {
    const ds = dataSource(undefined);
    const supported = returningOldSupport(ds);
    expect(supported()).toBe(false);
    (ds.driver as { version?: string }).version = '18.4';
    expect(supported()).toBe(true);
    (ds.driver as { version?: string }).version = '17.0';
    expect(supported()).toBe(true);
  });
});
