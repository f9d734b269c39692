/** A task as the bulk scenario inserts it. */
export interface NewTask {
  title: string;
  description: string;
  status: 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';
  priority: number;
  requirements: Record<string, unknown>;
}

/** A row's place in the `created_at DESC, id DESC` order of the page scenarios. */
export interface Position {
  createdAt: Date;
  id: string;
}

/** The page scenarios' query: 50 live `pending` tasks, newest first. */
export const PAGE = { size: 50, status: 'pending' } as const;

/** One way of talking to PostgreSQL, doing each scenario's job the way its users would. */
export interface Contender {
  readonly name: string;
  /** Only in the write scenarios (a variant whose reads are another contender's). */
  readonly writesOnly?: boolean;
  /** The live task with that id, or nothing. */
  pointRead?(id: string): Promise<unknown>;
  /** Inserts one task and returns its id. */
  insert?(title: string): Promise<unknown>;
  /** Sets `priority` on the live task at `version`; returns the new version (fails when stale). */
  update?(id: string, version: number, priority: number): Promise<number>;
  /** A page of {@link PAGE} at that offset. */
  pageOffset?(offset: number): Promise<unknown[]>;
  /** Prepares what {@link pageKeyset} needs to start right after `position` (undefined: first page). */
  keysetStart?(position: Position | undefined, depth: number): Promise<unknown>;
  /** A page of {@link PAGE} after a start from {@link keysetStart}. */
  pageKeyset?(start: unknown): Promise<unknown[]>;
  /** The first page of {@link PAGE}, each task with its live executions (newest first). */
  pageWithExecutions?(): Promise<unknown[]>;
  /** Soft-deletes the live task and its executions. */
  softDelete?(id: string): Promise<void>;
  /** In one transaction: read the task, set its priority, add an execution. */
  transaction?(id: string): Promise<void>;
  /** Inserts all rows (the bulk scenario). */
  bulkInsert?(rows: NewTask[]): Promise<void>;
  /** Reads every task (soft-deleted included) in constant memory; returns how many. */
  stream?(): Promise<number>;
  /** The live note with that id (of the tenant scenarios' tenant), or nothing. */
  tenantPointRead?(id: string): Promise<unknown>;
  /** Inserts one note for `tenant`. */
  tenantInsert?(title: string, tenant: string): Promise<unknown>;
  close(): Promise<void>;
}
