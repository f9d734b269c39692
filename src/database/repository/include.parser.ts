import { InvalidQueryError } from '../errors/invalid-query.error';
import type { IncludedEntity, IncludedRelation } from './include-plan';

/** Deepest relation path `include` takes (`a.b.c`). */
export const MAX_INCLUDE_DEPTH = 3;
/** Most relation paths one `include` takes. */
export const MAX_INCLUDE_PATHS = 10;

/** @internal One included relation and the relations included under it. */
export interface IncludeNode {
  relation: IncludedRelation;
  children: IncludeNode[];
}

/** @internal A validated `include`: the paths as given (sorted, deduplicated) and their tree. */
export interface ParsedInclude {
  paths: string[];
  nodes: IncludeNode[];
}

const fail = (reason: string): never => {
  throw new InvalidQueryError('include', reason);
};

/** The given paths: `a,b.c` or `['a', 'b.c']` (over HTTP, `include` repeated or comma-separated). */
function pathsOf(value: unknown): string[] {
  const items = Array.isArray(value) ? value : [value];
  if (!items.every((item) => typeof item === 'string')) fail('must be relation paths, as text');
  const paths = (items as string[]).flatMap((item) => item.split(',')).map((path) => path.trim());
  if (paths.some((path) => path === '')) fail('must name relations, e.g. include=executions');
  const unique = [...new Set(paths)].sort();
  if (unique.length > MAX_INCLUDE_PATHS) fail(`at most ${MAX_INCLUDE_PATHS} relation paths`);
  return unique;
}

/**
 * @internal Validates `include` against the `@Includable` allow-lists along each path (every step
 * must be declared on the entity it starts from) and builds the tree (`a.b` also includes `a`).
 * Returns `undefined` when nothing is included; throws {@link InvalidQueryError} naming `include`.
 */
export function parseInclude(value: unknown, root: IncludedEntity): ParsedInclude | undefined {
  if (value === undefined || (Array.isArray(value) && value.length === 0)) return undefined;
  const paths = pathsOf(value);
  const nodes: IncludeNode[] = [];
  for (const path of paths) {
    const steps = path.split('.');
    if (steps.length > MAX_INCLUDE_DEPTH)
      fail(`${JSON.stringify(path.slice(0, 64))} is deeper than ${MAX_INCLUDE_DEPTH} relations`);
    let entity = root;
    let level = nodes;
    for (const step of steps) {
      const relation = entity.relation(step);
      if (!relation) {
        fail(
          `cannot include ${JSON.stringify(path.slice(0, 64))}: ${JSON.stringify(step.slice(0, 64))} is not an @Includable relation of ${entity.metadata.name}`,
        );
      }
      let node = level.find((n) => n.relation === relation);
      if (!node) level.push((node = { relation: relation!, children: [] }));
      entity = relation!.target;
      level = node.children;
    }
  }
  return { paths, nodes };
}
