import { InvalidQueryError } from '../errors/invalid-query.error';
import type { IncludedEntity, IncludedRelation } from './include-plan';
import { MAX_INCLUDE_DEPTH, MAX_INCLUDE_PATHS, parseInclude } from './include.parser';

/** Two entities that include each other (`task.executions`, `execution.task`), as the planner compiles them. */
function entities(): { task: IncludedEntity; execution: IncludedEntity } {
  const relations = new Map<IncludedEntity, Map<string, IncludedRelation>>();
  const entity = (name: string) => {
    const e = { metadata: { name }, relation: (p: string) => relations.get(e as IncludedEntity)?.get(p) };
    return e as unknown as IncludedEntity;
  };
  const task = entity('Task');
  const execution = entity('TaskExecution');
  const relation = (property: string, target: IncludedEntity, many: boolean) =>
    ({ property, target, many }) as IncludedRelation;
  relations.set(task, new Map([['executions', relation('executions', execution, true)]]));
  relations.set(execution, new Map([['task', relation('task', task, false)]]));
  return { task, execution };
}

const refusal = (run: () => unknown): InvalidQueryError => {
  try {
    run();
  } catch (error) {
    return error as InvalidQueryError;
  }
  throw new Error('not refused');
};

describe('parseInclude', () => {
  const { task } = entities();

  it('takes paths repeated or comma-separated, deduplicated and sorted', () => {
    expect(parseInclude(['executions', ' executions.task,executions'], task)!.paths).toEqual([
      'executions',
      'executions.task',
    ]);
    expect(parseInclude(undefined, task)).toBeUndefined();
    expect(parseInclude([], task)).toBeUndefined();
  });

  it('builds one tree: a nested path includes its parents once', () => {
    const { nodes } = parseInclude('executions.task.executions,executions', task)!;
    expect(nodes).toHaveLength(1);
    expect(nodes[0].relation.property).toBe('executions');
    expect(nodes[0].children.map((c) => c.relation.property)).toEqual(['task']);
    expect(nodes[0].children[0].children.map((c) => c.relation.property)).toEqual(['executions']);
  });

  it.each([
    ['owner', 'is not an @Includable relation of Task'],
    ['executions.owner', 'is not an @Includable relation of TaskExecution'],
    ['', 'must name relations'],
    ['executions,', 'must name relations'],
    [['executions', 1], 'must be relation paths, as text'],
    [
      Array(MAX_INCLUDE_DEPTH + 1)
        .fill('executions.task')
        .join('.'),
      `deeper than ${MAX_INCLUDE_DEPTH}`,
    ],
    [Array.from({ length: MAX_INCLUDE_PATHS + 1 }, (_, i) => `r${i}`), `at most ${MAX_INCLUDE_PATHS}`],
  ])('refuses %j, naming include', (value, reason) => {
    const error = refusal(() => parseInclude(value, task));
    expect(error).toBeInstanceOf(InvalidQueryError);
    expect(error.parameter).toBe('include');
    expect(error.message).toContain(reason);
  });
});
