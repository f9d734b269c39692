import { statementName } from './entity-sql';

describe('statementName', () => {
  it('keeps short names readable', () => {
    expect(statementName('users', 'insert(displayName,email)')).toBe('users:insert(displayName,email)');
  });

  it('hashes long keys into distinct names of at most 63 bytes', () => {
    const a = statementName('tasks', 'insert(assigneeId,description,parentId,priority,requirements,status,title)');
    const b = statementName('tasks', 'insert(assigneeId,description,parentId,priority,requirements,title)');
    for (const name of [a, b]) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^tasks:insert#[0-9a-f]{16}$/);
  });
});
