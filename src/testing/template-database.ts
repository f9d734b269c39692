import { DataSource, DataSourceOptions } from 'typeorm';
import { databaseUrl, withAdminClient } from './admin-client';

/** How the template database gets its schema: TypeORM's migrations, your own step, or both. */
export interface TemplateSchemaOptions {
  /**
   * Options of a TypeORM DataSource on the template's `url`, whose `initialize()` and
   * `runMigrations()` build the schema, e.g. `(url) => ({ type: 'postgres', url, entities, migrations })`.
   */
  dataSourceOptions?: (url: string) => DataSourceOptions | Promise<DataSourceOptions>;
  /** Your own step on the template's `url`, after the DataSource's migrations: another migration tool, seed rows. */
  migrate?: (url: string) => Promise<void>;
}

async function runMigrations(options: DataSourceOptions): Promise<void> {
  const dataSource = new DataSource(options);
  await dataSource.initialize();
  try {
    await dataSource.runMigrations();
  } finally {
    await dataSource.destroy();
  }
}

/** @internal Creates (again) the database `name` and gives it its schema: the template each test database copies. */
export async function createTemplateDatabase(
  adminUrl: string,
  name: string,
  schema: TemplateSchemaOptions,
): Promise<void> {
  await withAdminClient(adminUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(name)} WITH (FORCE)`);
    await c.query(`CREATE DATABASE ${c.escapeIdentifier(name)}`);
  });
  const url = databaseUrl(adminUrl, name);
  if (schema.dataSourceOptions) await runMigrations(await schema.dataSourceOptions(url));
  await schema.migrate?.(url);
}

/** @internal Drops the template `template` and every database copied from it (`<template>_…`). */
export async function dropRunDatabases(adminUrl: string, template: string): Promise<void> {
  await withAdminClient(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname = $1 OR starts_with(datname, $1 || $2)',
      [template, '_'],
    );
    for (const { datname } of rows)
      await c.query(`DROP DATABASE IF EXISTS ${c.escapeIdentifier(datname)} WITH (FORCE)`);
  });
}
