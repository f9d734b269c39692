import { execFileSync } from 'node:child_process';
import { compileHydrator, loopHydrator } from './entity-hydrator';

class Thing {
  id!: string;
  label?: string;
  shout(): string {
    return `${this.id}!`;
  }
}

describe('compileHydrator', () => {
  const odd = 'we"ird\\name\u2028';
  const hydrator = compileHydrator<Thing>(
    Thing.prototype,
    ['id', 'label', odd],
    new Map([['label', (value: unknown) => (value === null ? null : `<${String(value)}>`)]]),
  );

  it('makes entities of array rows: the class prototype, properties in order, conversions applied', () => {
    const thing = hydrator.fromValues(['a1', 'x', 3]);
    expect(thing).toBeInstanceOf(Thing);
    expect(thing.shout()).toBe('a1!');
    expect(Object.keys(thing)).toEqual(['id', 'label', odd]);
    expect(thing).toEqual(Object.assign(Object.create(Thing.prototype) as Thing, { id: 'a1', label: '<x>', [odd]: 3 }));
    expect(hydrator.fromValues(['a2', null, null]).label).toBeNull();
  });

  it('makes entities of row objects, leaving out what the row lacks and what it carries besides', () => {
    const thing = hydrator.fromRow({ id: 'b1', extra: 1, [odd]: 'y' });
    expect(thing).toBeInstanceOf(Thing);
    expect(Object.keys(thing)).toEqual(['id', odd]);
    expect(hydrator.fromRow({ id: 'b2', label: 'z' }).label).toBe('<z>');
  });

  it('never runs the entity constructor', () => {
    let made = 0;
    class Counted {
      constructor() {
        made++;
      }
    }
    compileHydrator(Counted.prototype, ['id'], new Map()).fromValues(['c']);
    expect(made).toBe(0);
  });

  it('makes the same entities without code generation (the fallback where `new Function` is refused)', () => {
    const conversions = new Map([['label', (value: unknown) => `<${String(value)}>`]]);
    const loop = loopHydrator<Thing>(Thing.prototype, ['id', 'label', odd], conversions);
    const values = ['d1', 'x', 4];
    const row = { id: 'd2', extra: true, [odd]: 5 };
    for (const [a, b] of [
      [loop.fromValues(values), hydrator.fromValues(values)],
      [loop.fromRow(row), hydrator.fromRow(row)],
    ]) {
      expect(a).toBeInstanceOf(Thing);
      expect(Object.keys(a)).toEqual(Object.keys(b));
      expect(a).toEqual(b);
    }
  });

  it('falls back to it in a Node run with --disallow-code-generation-from-strings', () => {
    const script = `
      const { compileHydrator } = require(${JSON.stringify(require.resolve('./entity-hydrator'))});
      class Thing {}
      const thing = compileHydrator(Thing.prototype, ['id', 'label'], new Map()).fromValues(['e1', 'y']);
      process.stdout.write(JSON.stringify({ thing, isThing: thing instanceof Thing }));`;
    const out = execFileSync(
      process.execPath,
      ['--disallow-code-generation-from-strings', '-r', 'ts-node/register/transpile-only', '-e', script],
      { encoding: 'utf8' },
    );
    expect(JSON.parse(out)).toEqual({ thing: { id: 'e1', label: 'y' }, isThing: true });
  });
});
