/** The labels a statement's metrics carry. */
export interface StatementLabels {
  /** `findById`, `insert`, … for compiled statements; the SQL verb (`select`, `begin`) for ad-hoc SQL. */
  operation: string;
  /** The table, when known; empty otherwise. */
  entity: string;
}

const COMPILED_NAME = /^([^:]+):([A-Za-z]+)/;
const LEADING_WORD = /^\s*([A-Za-z]{1,16})\b/;

/**
 * Labels of a statement: a compiled statement's name `users:findById` (or `users:insert(email,…)`)
 * gives `{ operation: 'findById', entity: 'users' }`; ad-hoc SQL gives its first keyword in lower
 * case, so label values stay a small, fixed set whatever the SQL text.
 */
export function statementLabels(name: string | undefined, text: string, entity: string | undefined): StatementLabels {
  const compiled = name ? COMPILED_NAME.exec(name) : null;
  if (compiled) return { operation: compiled[2], entity: compiled[1] };
  const verb = LEADING_WORD.exec(text)?.[1].toLowerCase() ?? 'other';
  return { operation: verb, entity: entity ?? '' };
}
