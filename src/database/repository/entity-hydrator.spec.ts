import { compileHydrator } from './entity-hydrator';

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
});
