import { Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { appDatabaseModuleOptions } from '../../src/app.data-source';
import { DatabaseModule, DatabaseService, getRepositoryServiceToken, RepositoryService } from '../../src/database';
import { Task, TaskExecution } from '../../src/entities';
import { Contender, NewTask, PAGE, Position } from './contender';

const LIST = { limit: PAGE.size, filter: { status: PAGE.status }, sortBy: 'createdAt:DESC' };

/** Our RepositoryService through `DatabaseModule`, with the audit trail on or off. */
export class OursContender implements Contender {
  private constructor(
    readonly name: string,
    private readonly moduleRef: TestingModule,
    private readonly tasks: RepositoryService<Task>,
    private readonly executions: RepositoryService<TaskExecution>,
    private readonly db: DatabaseService,
    readonly writesOnly: boolean,
  ) {}

  static async create(env: NodeJS.ProcessEnv, audit: boolean, name?: string): Promise<OursContender> {
    Logger.overrideLogger(['error']);
    const options = { ...appDatabaseModuleOptions(env), audit: audit ? { table: 'audit_logs' } : undefined };
    const moduleRef = await Test.createTestingModule({
      imports: [DatabaseModule.forRoot(options), DatabaseModule.forFeature([Task, TaskExecution])],
    }).compile();
    await moduleRef.init();
    return new OursContender(
      name ?? (audit ? 'ours (audit on)' : 'ours'),
      moduleRef,
      moduleRef.get(getRepositoryServiceToken(Task)),
      moduleRef.get(getRepositoryServiceToken(TaskExecution)),
      moduleRef.get(DatabaseService),
      audit,
    );
  }

  pointRead(id: string) {
    return this.tasks.findById(id);
  }

  insert(title: string) {
    return this.tasks.create({ title, priority: 1 });
  }

  async update(id: string, version: number, priority: number) {
    return (await this.tasks.update(id, { priority }, { expectedVersion: version })).version;
  }

  async pageOffset(offset: number) {
    return (await this.tasks.paginate({ ...LIST, page: offset / PAGE.size + 1, count: false })).data;
  }

  /** The cursor of `links.next` after `depth` rows, found by walking the pages as a client would. */
  async keysetStart(_position: Position | undefined, depth: number) {
    let cursor = '';
    for (let seen = 0; seen < depth; seen += PAGE.size) {
      const next = (await this.tasks.paginate({ ...LIST, cursor })).links.next;
      if (!next) throw new Error(`ours: fewer than ${depth} rows to walk`);
      cursor = new URL(next, 'http://x').searchParams.get('cursor')!;
    }
    return cursor;
  }

  async pageKeyset(start: unknown) {
    return (await this.tasks.paginate({ ...LIST, cursor: start as string })).data;
  }

  async pageWithExecutions() {
    return (await this.tasks.paginate({ ...LIST, count: false, include: 'executions' })).data;
  }

  softDelete(id: string) {
    return this.tasks.softDelete(id);
  }

  transaction(id: string) {
    return this.db.transaction(async () => {
      await this.tasks.findByIdOrFail(id);
      await this.tasks.update(id, { priority: 2 });
      await this.executions.create({ taskId: id, agentType: 'bench' });
    });
  }

  async bulkInsert(rows: NewTask[]) {
    await this.tasks.createMany(rows as Array<Partial<Task>>, { returning: false });
  }

  async stream() {
    let count = 0;
    for await (const row of this.tasks.stream({ sortBy: 'createdAt:DESC', withDeleted: true })) if (row) count++;
    return count;
  }

  async close() {
    await this.moduleRef.close();
  }
}
