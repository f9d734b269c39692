import { statementLabels } from './statement-labels';

describe('statementLabels', () => {
  it.each([
    ['users:findById', { operation: 'findById', entity: 'users' }],
    ['users:insert(email,displayName)', { operation: 'insert', entity: 'users' }],
    ['tasks:update(title,status)v', { operation: 'update', entity: 'tasks' }],
    ['task_executions:upsert(taskId;taskId)', { operation: 'upsert', entity: 'task_executions' }],
  ])('compiled statement %s', (name, labels) => {
    expect(statementLabels(name, 'SELECT 1', 'ignored')).toEqual(labels);
  });

  it.each([
    ['SELECT * FROM users WHERE id = $1', 'select'],
    ['  \n insert INTO t VALUES ($1)', 'insert'],
    ['WITH w AS (SELECT 1) SELECT * FROM w', 'with'],
    ['BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', 'begin'],
    ['-- comment\nSELECT 1', 'other'],
    ['(SELECT 1)', 'other'],
  ])('ad-hoc SQL %j is labelled by its verb %s', (text, operation) => {
    expect(statementLabels(undefined, text, 'users')).toEqual({ operation, entity: 'users' });
  });

  it('leaves the entity empty when unknown', () => {
    expect(statementLabels(undefined, 'SELECT 1', undefined)).toEqual({ operation: 'select', entity: '' });
  });
});
