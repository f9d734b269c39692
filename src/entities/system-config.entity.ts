import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampedEntity } from '../database';

/** A named setting of the system, with a JSON value. */
@Entity({ name: 'system_config' })
export class SystemConfig extends TimestampedEntity {
  /** The setting's name, e.g. `tasks.maxRetries`. */
  @PrimaryColumn({ type: 'varchar', length: 200 })
  key: string;

  /** Its value, any JSON. */
  @Column({ type: 'jsonb' })
  value: unknown;

  /** What it controls. */
  @Column({ type: 'text', nullable: true })
  description: string | null;
}
