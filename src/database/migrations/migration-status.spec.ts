import { AppliedMigration, CodeMigration, migrationStatus, nameList } from './migration-status';

const code = (name: string, timestamp: number, checksum = `v1:${name}`): CodeMigration => ({
  name,
  timestamp,
  checksum,
  transaction: true,
});
const applied = (id: number, name: string, timestamp: number): AppliedMigration => ({ id, name, timestamp });

describe('migrationStatus', () => {
  const a = code('A1', 1);
  const b = code('B2', 2);
  const c = code('C3', 3);

  it('everything applied and unedited: nothing to report', () => {
    const status = migrationStatus(
      [a, b],
      [applied(1, 'A1', 1), applied(2, 'B2', 2)],
      new Map([
        ['A1', 'v1:A1'],
        ['B2', 'v1:B2'],
      ]),
    );
    expect(status).toMatchObject({ pending: [], edited: [], missing: [], outOfOrder: [], unrecorded: [] });
    expect(status.applied.map((m) => m.name)).toEqual(['A1', 'B2']);
  });

  it('pending migrations in timestamp order; the older-than-newest-applied ones out of order', () => {
    const status = migrationStatus([c, b, a], [applied(1, 'B2', 2)], new Map([['B2', 'v1:B2']]));
    expect(status.pending.map((m) => m.name)).toEqual(['A1', 'C3']);
    expect(status.outOfOrder.map((m) => m.name)).toEqual(['A1']);
  });

  it('edited, missing and unrecorded applied migrations', () => {
    const status = migrationStatus(
      [code('A1', 1, 'v1:changed'), b],
      [applied(1, 'A1', 1), applied(2, 'B2', 2), applied(3, 'Z9', 9)],
      new Map([['A1', 'v1:A1']]),
    );
    expect(status.edited).toEqual([{ name: 'A1', recorded: 'v1:A1', current: 'v1:changed' }]);
    expect(status.missing.map((m) => m.name)).toEqual(['Z9']);
    expect(status.unrecorded.map((m) => m.name)).toEqual(['B2']);
  });

  it('a checksum in an older format is re-recorded, not compared', () => {
    const status = migrationStatus([a], [applied(1, 'A1', 1)], new Map([['A1', 'v0:whatever']]));
    expect(status.edited).toEqual([]);
    expect(status.unrecorded.map((m) => m.name)).toEqual(['A1']);
  });

  it('orders applied migrations by id, whatever the input order', () => {
    const status = migrationStatus([a, b], [applied(2, 'B2', 2), applied(1, 'A1', 1)], new Map());
    expect(status.applied.map((m) => m.id)).toEqual([1, 2]);
  });
});

describe('nameList', () => {
  it('lists up to five names, then says how many more', () => {
    expect(nameList(['a', 'b'])).toBe('a, b');
    expect(nameList(['a', 'b', 'c', 'd', 'e', 'f', 'g'])).toBe('a, b, c, d, e and 2 more');
  });
});
