import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database';
import { User } from '../entities';
import { UsersController } from './users.controller';

/** The `/users` resource. */
@Module({
  imports: [DatabaseModule.forFeature([User])],
  controllers: [UsersController],
})
export class UsersModule {}
