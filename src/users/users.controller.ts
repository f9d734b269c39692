import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectRepositoryService, RepositoryService } from '../database';
import { User } from '../entities';
import { SoftDeletableResourceController } from '../http/soft-deletable-resource.controller';
import { CreateUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { UserResponse } from './dto/user.response';
import { USERS_LIST_QUERY } from './users.list-query';

/** `/users`: create, list, read, update with optimistic locking, soft/hard delete, restore. */
@ApiTags('users')
@Controller('users')
export class UsersController extends SoftDeletableResourceController<User>({
  path: '/users',
  noun: 'user',
  createDto: CreateUserDto,
  updateDto: UpdateUserDto,
  response: UserResponse,
  listQuery: USERS_LIST_QUERY,
}) {
  constructor(@InjectRepositoryService(User) users: RepositoryService<User>) {
    super(users);
  }
}
