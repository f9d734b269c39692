import * as classValidator from 'class-validator';
import {
  Equals,
  IsDefined,
  IsEmail,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
  Validate,
  ValidateIf,
  ValidateNested,
  validateSync,
  ValidationArguments,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';
import { Task, TaskExecution, User } from '../../entities';
import { EntityValidator } from './entity-validator';

@ValidatorConstraint({ name: 'sameAs' })
class SameAs implements ValidatorConstraintInterface {
  validate(value: unknown, args: ValidationArguments) {
    return value === (args.object as Record<string, unknown>)[args.constraints[0] as string];
  }
}

@ValidatorConstraint({ name: 'neverSync', async: true })
class NeverAsync implements ValidatorConstraintInterface {
  async validate() {
    return false;
  }
}

class Rules {
  @IsDefined()
  @IsInt({ each: true })
  codes: unknown;

  @IsOptional()
  @IsString()
  @Length(2, 5)
  name: unknown;

  @ValidateIf((o: Rules) => o.name === 'xy')
  @Min(3)
  @Max(7)
  level: unknown;

  @Validate(SameAs, ['name'])
  @IsOptional()
  echo: unknown;

  @Validate(NeverAsync)
  later: unknown;

  @IsEmail({}, { groups: ['strict'] })
  @Equals('x', { always: true })
  @IsOptional()
  tagged: unknown;
}

class Nested {
  @ValidateNested()
  child: unknown;
}

const POOL: unknown[] = [
  undefined,
  null,
  0,
  3,
  5,
  8,
  -1,
  2.5,
  '',
  'x',
  'xy',
  'abc',
  'abcdef',
  'a@b.co',
  'not an email',
  '00000000-0000-4000-8000-000000000000',
  'pending',
  'bogus',
  true,
  [],
  [1, 2],
  [1, 'a'],
  new Set([1, 2]),
  new Set(['a']),
  new Map([['k', 1]]),
  {},
  { a: 1 },
];

/** A deterministic pseudo-random sequence (the same cases on every run). */
function* random(seed: number): Generator<number> {
  for (let s = seed; ;) yield (s = (s * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
}

const UUID = '00000000-0000-4000-8000-000000000000';

/** Objects whose properties are each a valid value, missing, or anything from {@link POOL}. */
function objects(target: Function, valid: Record<string, unknown>, count: number, seed: number): object[] {
  const next = random(seed);
  return Array.from({ length: count }, () => {
    const o = Object.create(target.prototype) as Record<string, unknown>;
    for (const [p, good] of Object.entries(valid)) {
      const pick = next.next().value as number;
      if (pick < 0.6) o[p] = good;
      else if (pick < 0.95) o[p] = POOL[Math.floor((next.next().value as number) * POOL.length)];
    }
    return o;
  });
}

const CASES: Array<[string, Function, Record<string, unknown>]> = [
  [
    'a test class of every compiled rule kind',
    Rules,
    { codes: [1], name: 'xy', level: 4, echo: 'xy', later: 1, tagged: 'x' },
  ],
  [
    'Task',
    Task,
    {
      title: 'ok',
      description: 'd',
      status: 'pending',
      priority: 3,
      requirements: { a: 1 },
      assigneeId: UUID,
      parentId: UUID,
    },
  ],
  ['User', User, { email: 'a@b.co', displayName: 'Ada' }],
  [
    'TaskExecution',
    TaskExecution,
    { taskId: UUID, agentType: 'a', status: 'running', logs: ['x'], startedAt: new Date(0), completedAt: null },
  ],
];

describe('EntityValidator', () => {
  it.each(CASES)('answers exactly what validateSync answers: %s', (_label, target, valid) => {
    const validator = new EntityValidator(target);
    let accepted = 0;
    for (const skipMissingProperties of [false, true]) {
      for (const object of objects(target, valid, 2_000, Object.keys(valid).length)) {
        const expected = validateSync(object, { skipMissingProperties, forbidUnknownValues: false });
        const actual = validator.validate(object, skipMissingProperties);
        expect(actual).toEqual(expected);
        if (!actual.length) accepted++;
      }
    }
    expect(accepted).toBeGreaterThan(0); // the sample has valid objects too, not only rejections
  });

  it('accepts valid rows without going through validateSync', () => {
    const validator = new EntityValidator(Task);
    const valid = Object.assign(Object.create(Task.prototype), { title: 'ok', priority: 3 });
    expect(validator.validate(valid, false)).toEqual([]);
    const spy = jest.spyOn(classValidator, 'validateSync');
    try {
      expect(validator.validate(valid, false)).toEqual([]);
      expect(spy).not.toHaveBeenCalled();
      expect(validator.validate(Object.assign(Object.create(Task.prototype), { title: '' }), false)).toHaveLength(1);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('leaves entities with rules it does not compile to validateSync', () => {
    const validator = new EntityValidator(Nested);
    const object = Object.assign(new Nested(), { child: 5 });
    expect(validator.validate(object, false)).toEqual(validateSync(object, { forbidUnknownValues: false }));
    expect(validator.validate(object, false)).toHaveLength(1);
  });
});
