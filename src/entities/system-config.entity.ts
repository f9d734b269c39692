import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

/** A named setting of the system, with a JSON value. */
@Entity({ name: 'system_config' })
export class SystemConfig {
  /** The setting's name, e.g. `tasks.maxRetries`. */
  @PrimaryColumn({ type: 'varchar', length: 200 })
  key: string;

  /** Its value, any JSON. */
  @Column({ type: 'jsonb' })
  value: unknown;

  /** What it controls. */
  @Column({ type: 'text', nullable: true })
  description: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @VersionColumn({ default: 1 })
  version: number;
}
