import { Logger } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { Column, Entity } from 'typeorm';
import { appDatabaseModuleOptions } from '../../src/app.data-source';
import {
  DatabaseModule,
  getRepositoryServiceToken,
  RepositoryService,
  runAsTenant,
  SoftDeletableEntity,
} from '../../src/database';
import { Note } from '../../src/entities';
import { Contender } from './contender';

/** `notes` without `@TenantColumn()`: the same table, rows and SQL, read and written with no tenant setting. */
@Entity({ name: 'notes' })
class UnscopedNote extends SoftDeletableEntity {
  @Column({ name: 'tenant_id', type: 'uuid' })
  tenantId: string;

  @Column({ type: 'varchar', length: 200 })
  title: string;

  @Column({ type: 'text', nullable: true })
  body: string | null;
}

/**
 * `RepositoryService` on `notes`: tenant-scoped (`Note`, as an ordinary role that the FORCEd
 * policy binds, each call in `runAsTenant`, so each statement carries its tenant setting), or
 * unscoped (`UnscopedNote`, as the bench's superuser, which no policy binds: the baseline).
 */
export class TenantContender implements Contender {
  private constructor(
    readonly name: string,
    private readonly moduleRef: TestingModule,
    private readonly notes: RepositoryService<Note | UnscopedNote>,
    private readonly tenant: string,
    private readonly scoped: boolean,
  ) {}

  /** `env` points at the role's URL for the scoped contender, at the bench's for the unscoped one. */
  static async create(env: NodeJS.ProcessEnv, tenant: string, scoped: boolean): Promise<TenantContender> {
    Logger.overrideLogger(['error']);
    const entity = scoped ? Note : UnscopedNote;
    const options = { ...appDatabaseModuleOptions(env), entities: [entity], audit: undefined };
    const moduleRef = await Test.createTestingModule({
      imports: [DatabaseModule.forRoot(options), DatabaseModule.forFeature([entity])],
    }).compile();
    await moduleRef.init();
    const notes = moduleRef.get<RepositoryService<Note | UnscopedNote>>(getRepositoryServiceToken(entity));
    return new TenantContender(scoped ? 'ours (tenant-scoped)' : 'ours (unscoped)', moduleRef, notes, tenant, scoped);
  }

  tenantPointRead(id: string) {
    return this.scoped ? runAsTenant(this.tenant, () => this.notes.findById(id)) : this.notes.findById(id);
  }

  tenantInsert(title: string) {
    return this.scoped
      ? runAsTenant(this.tenant, () => this.notes.create({ title }))
      : this.notes.create({ title, tenantId: this.tenant });
  }

  async close() {
    await this.moduleRef.close();
  }
}
