import { MigrationGuardError } from './migration-guard.error';

describe('MigrationGuardError.schemaDrift', () => {
  it('shows the first three statements, each cut at 200 characters, and how many more there are', () => {
    const long = `ALTER TABLE "t" ADD "c" character varying(20) DEFAULT '${'x'.repeat(300)}'`;
    const error = MigrationGuardError.schemaDrift(['CREATE TABLE "a" ("id" int)', long, 'DROP INDEX "i"', 'X', 'Y']);
    expect(error.reason).toBe('schema-drift');
    expect(error.message).toBe(
      'refusing to serve: the entities differ from the database schema (DB_FAIL_ON_SCHEMA_DRIFT=true). This SQL ' +
        `would make the schema match them: CREATE TABLE "a" ("id" int); ${long.slice(0, 200)}…; DROP INDEX "i"; ` +
        '… and 2 more statement(s). Add a migration with it (npx typeorm migration:generate -d <your data-source file> <path/Name>) and apply it, ' +
        'or unset DB_FAIL_ON_SCHEMA_DRIFT to serve anyway.',
    );
  });
});
