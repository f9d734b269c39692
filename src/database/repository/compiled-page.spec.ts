import { compiledPageKey } from './compiled-page';

describe('compiledPageKey', () => {
  it('keys plain inputs by their values, telling types apart', () => {
    const key = compiledPageKey({ limit: 50, filter: { status: 'pending' }, sortBy: 'createdAt:DESC' });
    expect(key).toBeDefined();
    expect(compiledPageKey({ limit: 50, filter: { status: 'pending' }, sortBy: 'createdAt:DESC' })).toBe(key);
    expect(compiledPageKey({ limit: '50', filter: { status: 'pending' }, sortBy: 'createdAt:DESC' })).not.toBe(key);
    expect(compiledPageKey({ limit: 50, filter: { status: 'done' }, sortBy: 'createdAt:DESC' })).not.toBe(key);
    expect(compiledPageKey({ limit: 50, filter: { status: ['pending'] }, sortBy: 'createdAt:DESC' })).not.toBe(key);
    // An absent value and an undefined one are the same input to the parser.
    expect(
      compiledPageKey({ limit: 50, page: undefined, filter: { status: 'pending' }, sortBy: 'createdAt:DESC' }),
    ).toBe(key);
  });

  it('keys the first keyset page and HTTP inputs (filters without a prototype)', () => {
    expect(compiledPageKey({ cursor: '' })).toBeDefined();
    const filter = Object.assign(Object.create(null) as Record<string, string>, { status: 'pending' });
    expect(compiledPageKey({ filter })).toBe(compiledPageKey({ filter: { status: 'pending' } }));
  });

  it('keys the pages after a cursor by the rest of the input, apart from the first page', () => {
    const after = compiledPageKey({ limit: 50, cursor: 'abc' });
    expect(after).toBeDefined();
    expect(compiledPageKey({ limit: 50, cursor: 'xyz' })).toBe(after);
    expect(compiledPageKey({ limit: 50, cursor: '' })).not.toBe(after);
    expect(compiledPageKey({ limit: 50 })).not.toBe(after);
    expect(compiledPageKey({ limit: 20, cursor: 'abc' })).not.toBe(after);
    expect(compiledPageKey({ limit: 50, cursor: ['abc'] as unknown as string })).toBeUndefined();
  });

  it('keeps nothing for values that are not plain data', () => {
    expect(compiledPageKey({ limit: Number.NaN })).toBeUndefined();
    expect(compiledPageKey({ filter: { createdAt: new Date() as unknown as string } })).toBeUndefined();
    expect(compiledPageKey({ filter: null as unknown as Record<string, string> })).toBeUndefined();
    expect(compiledPageKey({ limit: 10n as unknown as number })).toBeUndefined();
    class Input {
      limit = 5;
    }
    expect(compiledPageKey(new Input())).toBeUndefined();
  });
});
