import { DataSource, IsNull, Repository } from 'typeorm';
import { Task, TaskExecution } from '../../src/entities';
import type { TaskStatus } from '../../src/entities/task-status.enum';
import { Contender, NewTask, PAGE, Position } from './contender';

/** Rows per `insert` in the bulk scenario: as many as ours per statement, under 65,535 parameters. */
const CHUNK = 5_000;
type InsertRows = Parameters<Repository<Task>['insert']>[0];
const ORDER = { createdAt: 'DESC', id: 'DESC' } as const;
const STATUS = PAGE.status as TaskStatus;

/** TypeORM's own Repository and EntityManager on the app's DataSource options. */
export class TypeOrmContender implements Contender {
  readonly name = 'TypeORM';
  private readonly tasks: Repository<Task>;

  constructor(private readonly dataSource: DataSource) {
    this.tasks = dataSource.getRepository(Task);
  }

  pointRead(id: string) {
    return this.tasks.findOneBy({ id });
  }

  insert(title: string) {
    return this.tasks.insert({ title, priority: 1 });
  }

  async update(id: string, version: number, priority: number) {
    const { affected } = await this.tasks.update({ id, version, deletedAt: IsNull() }, { priority });
    if (affected !== 1) throw new Error(`TypeORM: stale version of ${id}`);
    return version + 1;
  }

  pageOffset(offset: number) {
    return this.tasks.find({ where: { status: STATUS }, order: ORDER, take: PAGE.size, skip: offset });
  }

  async keysetStart(position: Position | undefined) {
    return position;
  }

  pageKeyset(start: unknown) {
    const p = start as Position | undefined;
    const query = this.tasks.createQueryBuilder('t').where('t.status = :status', { status: STATUS });
    if (p) query.andWhere('(t.createdAt, t.id) < (:createdAt, :id)', { createdAt: p.createdAt, id: p.id });
    return query.orderBy('t.createdAt', 'DESC').addOrderBy('t.id', 'DESC').limit(PAGE.size).getMany();
  }

  pageWithExecutions() {
    return this.tasks.find({
      where: { status: STATUS },
      order: ORDER,
      take: PAGE.size,
      relations: { executions: true },
    });
  }

  async softDelete(id: string) {
    const { affected } = await this.tasks.softDelete({ id, deletedAt: IsNull() });
    if (affected !== 1) throw new Error(`TypeORM: ${id} not found`);
    await this.dataSource.manager.softDelete(TaskExecution, { taskId: id, deletedAt: IsNull() });
  }

  async transaction(id: string) {
    await this.dataSource.transaction(async (m) => {
      await m.findOneByOrFail(Task, { id });
      await m.update(Task, { id }, { priority: 2 });
      await m.insert(TaskExecution, { taskId: id, agentType: 'bench' });
    });
  }

  async bulkInsert(rows: NewTask[]) {
    for (let i = 0; i < rows.length; i += CHUNK) {
      // Not reading generated columns back (`updateEntity(false)`), as every bulk contender.
      const chunk = rows.slice(i, i + CHUNK) as unknown as InsertRows;
      await this.tasks.createQueryBuilder().insert().values(chunk).updateEntity(false).execute();
    }
  }

  async close() {
    // The DataSource is the run's own (setup, migrations): the runner destroys it.
  }
}
