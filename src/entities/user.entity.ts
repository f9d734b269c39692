import { IsEmail, IsString, Length, MaxLength } from 'class-validator';
import { Column, Entity, Index } from 'typeorm';
import { Queryable, SoftDeletableEntity, TEXT_OPERATORS } from '../database';

/** A person who can be assigned tasks. Email is unique among users that are not soft-deleted. */
@Entity({ name: 'users' })
@Index('ux_users_email_live', ['email'], { unique: true, where: '"deleted_at" IS NULL' })
@Index('ix_users_created_at', ['createdAt', 'id'])
export class User extends SoftDeletableEntity {
  /** Login and contact address, stored lower-cased. */
  @IsEmail({}, { message: 'must be an email address' })
  @MaxLength(320)
  @Queryable({ sortable: true, filter: TEXT_OPERATORS })
  @Column({ type: 'varchar', length: 320 })
  email: string;

  /** Name shown to other people. */
  @IsString()
  @Length(1, 200)
  @Queryable({ sortable: true, filter: TEXT_OPERATORS })
  @Column({ name: 'display_name', type: 'varchar', length: 200 })
  displayName: string;
}
