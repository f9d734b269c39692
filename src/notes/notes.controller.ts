import { Controller, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiTags } from '@nestjs/swagger';
import { InjectRepositoryService, RepositoryService } from '../database';
import { Note } from '../entities';
import { TENANT_HEADER } from '../http/request-context.middleware';
import { RequireTenantGuard } from '../http/require-tenant.guard';
import { SoftDeletableResourceController } from '../http/soft-deletable-resource.controller';
import { CreateNoteDto } from './dto/create-note.dto';
import { NoteResponse } from './dto/note.response';
import { UpdateNoteDto } from './dto/update-note.dto';
import { NOTES_LIST_QUERY } from './notes.list-query';

/**
 * `/notes`, the tenant-scoped resource: the same routes as `/users`, for the tenant of
 * `X-Tenant-Id` only. Isolation is PostgreSQL's row-level security, not a `where` in this code:
 * another tenant's note is a 404, as if it did not exist.
 */
@ApiTags('notes')
@ApiHeader(TENANT_HEADER)
@UseGuards(RequireTenantGuard)
@Controller('notes')
export class NotesController extends SoftDeletableResourceController<Note>({
  path: '/notes',
  noun: 'note',
  createDto: CreateNoteDto,
  updateDto: UpdateNoteDto,
  response: NoteResponse,
  listQuery: NOTES_LIST_QUERY,
}) {
  constructor(@InjectRepositoryService(Note) notes: RepositoryService<Note>) {
    super(notes);
  }
}
