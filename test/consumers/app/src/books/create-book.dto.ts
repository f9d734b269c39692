import { IsInt, IsString, Length, Max, Min } from 'class-validator';

/** Body of `POST /books`. */
export class CreateBookDto {
  @IsString()
  @Length(10, 20)
  isbn!: string;

  @IsString()
  @Length(1, 200)
  title!: string;

  @IsInt()
  @Min(1)
  @Max(100_000)
  pages!: number;

  @IsString()
  @Length(1, 20)
  shelf!: string;
}
