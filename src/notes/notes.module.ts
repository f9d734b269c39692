import { Module } from '@nestjs/common';
import { DatabaseModule } from '../database';
import { Note } from '../entities';
import { NotesController } from './notes.controller';

/** The `/notes` resource, isolated by tenant. */
@Module({
  imports: [DatabaseModule.forFeature([Note])],
  controllers: [NotesController],
})
export class NotesModule {}
