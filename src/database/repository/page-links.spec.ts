import type { ParsedListQuery } from './list-query';
import { pageLinks } from './page-links';

describe('pageLinks', () => {
  const query = {
    limit: 20,
    echo: { sortBy: [['createdAt', 'DESC']], filter: { title: '$ilike:a b&c=d', status: ['$in:x', 'y+z'] } },
    onlyDeleted: false,
    withDeleted: true,
    count: false,
    include: { paths: ['executions'] },
  } as unknown as ParsedListQuery;

  /** The link as one `URLSearchParams` of every parameter encodes it. */
  function expected(position: Record<string, string>): string {
    const params = new URLSearchParams([
      ['limit', '20'],
      ['sortBy', 'createdAt:DESC'],
      ['filter.title', '$ilike:a b&c=d'],
      ['filter.status', '$in:x'],
      ['filter.status', 'y+z'],
      ['withDeleted', 'true'],
      ['count', 'false'],
      ['include', 'executions'],
      ...Object.entries(position),
    ]);
    return `/tasks?${params.toString()}`;
  }

  it('encodes the shared part once and each position as URLSearchParams would', () => {
    const link = pageLinks('/tasks', query);
    expect(link({ page: 3 })).toBe(expected({ page: '3' }));
    expect(link({ cursor: '' })).toBe(expected({ cursor: '' }));
    expect(link({ cursor: 'a+b/c=d e' })).toBe(expected({ cursor: 'a+b/c=d e' }));
    expect(link({ cursor: 'aZ09-_.x*' })).toBe(expected({ cursor: 'aZ09-_.x*' }));
    expect(link({ cursor: "é~!'()" })).toBe(expected({ cursor: "é~!'()" }));
  });

  it('keeps the shared part for its path only', () => {
    const kept: { linkPrefix?: { path: string; text: string } } = {};
    expect(pageLinks('/tasks', query, kept)({ page: 2 })).toBe(expected({ page: '2' }));
    expect(kept.linkPrefix?.path).toBe('/tasks');
    expect(pageLinks('/tasks', { ...query, limit: 99 }, kept)({ page: 2 })).toBe(expected({ page: '2' }));
    expect(pageLinks('/other', query, kept)({ page: 2 })).toBe(expected({ page: '2' }).replace('/tasks', '/other'));
    expect(kept.linkPrefix?.path).toBe('/other');
  });
});
