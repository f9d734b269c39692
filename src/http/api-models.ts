import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { UUID_PATTERN } from './uuid-param.decorator';

/** The body of every error response. */
export class ErrorResponse {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiProperty({ example: 'email: must be an email address' })
  message: string;

  @ApiPropertyOptional({
    description:
      'The fields or parameters at fault: a map of messages for validation errors, a list of names otherwise.',
    oneOf: [
      { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
      { type: 'array', items: { type: 'string' } },
    ],
  })
  fields?: Record<string, string[]> | string[];
}

/** Columns every example entity has. */
export class EntityResponse {
  @ApiProperty({ format: 'uuid', pattern: UUID_PATTERN })
  id: string;

  @ApiProperty({ description: 'Incremented on every write; send it back in PATCH (optimistic locking).', example: 1 })
  version: number;

  @ApiProperty({ type: String, format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: String, format: 'date-time' })
  updatedAt: string;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'Present only on soft-deleted rows.' })
  deletedAt?: string;
}

class PageMeta {
  @ApiProperty({ example: 20 })
  itemsPerPage: number;

  @ApiPropertyOptional({ description: 'Offset mode, unless `count=false`.' })
  totalItems?: number;

  @ApiPropertyOptional({ description: 'Offset mode.' })
  currentPage?: number;

  @ApiPropertyOptional({ description: 'Offset mode, unless `count=false`.' })
  totalPages?: number;

  @ApiProperty({ example: [['createdAt', 'DESC']], type: 'array', items: { type: 'array', items: { type: 'string' } } })
  sortBy: Array<[string, string]>;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, example: { status: '$in:pending,failed' } })
  filter?: Record<string, string | string[]>;

  @ApiPropertyOptional({ description: 'Keyset mode: the cursor of this page (`""` for the first).' })
  cursor?: string;
}

class PageLinks {
  @ApiPropertyOptional() first?: string;
  @ApiPropertyOptional() previous?: string;
  @ApiProperty() current: string;
  @ApiPropertyOptional({ description: 'Absent on the last page.' }) next?: string;
  @ApiPropertyOptional({ description: 'Offset mode, unless `count=false`.' }) last?: string;
}

/** A page of a list, as nestjs-paginate shapes it (`data` is typed per route). */
export class PageResponse {
  @ApiProperty({ type: PageMeta })
  meta: PageMeta;

  @ApiProperty({ type: PageLinks })
  links: PageLinks;
}
