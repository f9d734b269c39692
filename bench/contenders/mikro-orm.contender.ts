import { MikroORM, raw } from '@mikro-orm/core';
import { EntityManager, PostgreSqlDriver } from '@mikro-orm/postgresql';
import type { PoolConfig } from 'pg';
import { Contender, NewTask, PAGE, Position } from './contender';
import { MikroTask, MikroTaskExecution, TaskExecutionSchema, TaskSchema } from './mikro-orm.schema';

const CHUNK = 5_000;
const ORDER = { createdAt: 'desc', id: 'desc' } as const;
const LIVE_PAGE = { status: PAGE.status, deletedAt: null };

/**
 * MikroORM 6 (the last line that runs on Node 20) on its own knex/pg pool of the same size and
 * connection settings. Each operation runs in a fresh fork of the EntityManager, as a request
 * context would give it; reads and writes use its native, non-unit-of-work paths (`insert`,
 * `nativeUpdate`, `insertMany`), the fast ones, as TypeORM's contender does.
 */
export class MikroOrmContender implements Contender {
  readonly name = 'MikroORM';

  private constructor(private readonly orm: MikroORM<PostgreSqlDriver>) {}

  static async create(settings: PoolConfig): Promise<MikroOrmContender> {
    const { host, port, database, user, password, max, ...connection } = settings;
    const orm = await MikroORM.init<PostgreSqlDriver>({
      driver: PostgreSqlDriver,
      host: String(host),
      port: Number(port),
      dbName: database,
      user,
      password: typeof password === 'string' ? password : undefined,
      entities: [TaskSchema, TaskExecutionSchema],
      pool: { min: 0, max: max ?? 10 },
      driverOptions: { connection },
      debug: false,
      allowGlobalContext: false,
    });
    return new MikroOrmContender(orm);
  }

  private get em(): EntityManager {
    return this.orm.em.fork() as EntityManager;
  }

  pointRead(id: string) {
    return this.em.findOne(TaskSchema, { id, deletedAt: null });
  }

  insert(title: string) {
    return this.em.insert(TaskSchema, { title, priority: 1 } as MikroTask);
  }

  async update(id: string, version: number, priority: number) {
    const changed = await this.em.nativeUpdate(
      TaskSchema,
      { id, version, deletedAt: null },
      { priority, version: raw('version + 1'), updatedAt: raw('now()') },
    );
    if (changed !== 1) throw new Error(`MikroORM: stale version of ${id}`);
    return version + 1;
  }

  pageOffset(offset: number) {
    return this.em.find(TaskSchema, LIVE_PAGE, { orderBy: ORDER, limit: PAGE.size, offset });
  }

  async keysetStart(position: Position | undefined) {
    return position;
  }

  /** MikroORM's own keyset pagination (`findByCursor`), without its total count. */
  async pageKeyset(start: unknown) {
    const at = start as Position | undefined;
    const cursor = await this.em.findByCursor(TaskSchema, LIVE_PAGE, {
      first: PAGE.size,
      orderBy: ORDER,
      includeCount: false,
      ...(at ? { after: { createdAt: at.createdAt, id: at.id } } : {}),
    });
    return cursor.items;
  }

  async softDelete(id: string) {
    const em = this.em;
    const set = { deletedAt: raw('now()'), version: raw('version + 1'), updatedAt: raw('now()') };
    const changed = await em.nativeUpdate(TaskSchema, { id, deletedAt: null }, set);
    if (changed !== 1) throw new Error(`MikroORM: ${id} not found`);
    await em.nativeUpdate(TaskExecutionSchema, { taskId: id, deletedAt: null }, set);
  }

  async transaction(id: string) {
    await this.em.transactional(async (em) => {
      await em.findOneOrFail(TaskSchema, { id });
      await em.nativeUpdate(TaskSchema, { id }, { priority: 2, version: raw('version + 1'), updatedAt: raw('now()') });
      await em.insert(TaskExecutionSchema, { taskId: id, agentType: 'bench' } as MikroTaskExecution);
    });
  }

  /** `insertMany` per 5,000 rows: one multi-row INSERT each, returning only the primary keys. */
  async bulkInsert(rows: NewTask[]) {
    const em = this.em;
    for (let i = 0; i < rows.length; i += CHUNK)
      await em.insertMany(TaskSchema, rows.slice(i, i + CHUNK) as unknown as MikroTask[]);
  }

  async close() {
    await this.orm.close(true);
  }
}
