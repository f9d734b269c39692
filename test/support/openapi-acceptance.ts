import { sql } from './api';
import type { Answer } from './hostile-request';
import type { GeneratedRequest } from './openapi-arbitraries';
import { ApiOperation, resourceOf } from './openapi-operations';
import type { StartedTestApp } from './test-app';

/** How many generated requests the document allowed, or broke on purpose, and how they were answered. */
export interface AcceptanceTally {
  /** Requests drawn entirely from the document's valid values. */
  valid: number;
  /** Of those, answered 2xx. */
  accepted: number;
  /** Requests breaking a documented constraint (all answered 400, or the run fails). */
  violations: number;
  /** Each constraint broken, by kind (`path id pattern`, `header X-Actor pattern`, …), with its count. */
  broken: Record<string, number>;
}

/** A fresh tally for one run. */
export const newAcceptanceTally = (): AcceptanceTally => ({ valid: 0, accepted: 0, violations: 0, broken: {} });

/**
 * What is wrong with the answer to `generated` as the document describes it: a request drawn from
 * the document's valid values must be accepted (2xx), or be a 404 because its path id names no
 * live row, or a documented 409 naming its field (a stale `version`, which the generator draws on
 * purpose; a taken email; a reference to a row of another table; the restore of a live row). A
 * request breaking a documented constraint (a uuid's `pattern`, `additionalProperties: false`,
 * X-Actor's `pattern`) must be a 400.
 */
export async function acceptanceProblems(
  t: StartedTestApp,
  operation: ApiOperation,
  generated: GeneratedRequest,
  answer: Answer,
  id: string | undefined,
  tally: AcceptanceTally,
): Promise<string[]> {
  const { status } = answer;
  if (generated.violations.length) {
    tally.violations++;
    for (const violation of generated.violations) {
      const kind = violation.replace(/ ".*"$/, '');
      tally.broken[kind] = (tally.broken[kind] ?? 0) + 1;
    }
    return status === 400 ? [] : [`a ${status} to a request breaking ${generated.violations.join(', ')}: expected 400`];
  }
  if (!generated.valid) return [];
  tally.valid++;
  if (status >= 200 && status < 300) {
    tally.accepted++;
    return [];
  }
  const named = Array.isArray(answer.body?.fields) ? answer.body.fields.length > 0 : false;
  if (status === 409 && named) return [];
  if (status === 404 && id !== undefined) {
    const [row] = await sql(t, `SELECT deleted_at FROM ${resourceOf(operation)} WHERE id = $1`, [id]);
    if (!row || row.deleted_at) return [];
    return [`a 404 for the live row ${id}, in a request the document allows`];
  }
  return [`a ${status} to a request the document allows`];
}
