import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsString, Length } from 'class-validator';

/** Only the display name can change here; any other field is a 400 (strict validation). */
export class UpdateProfileDto {
  @ApiProperty({ example: 'Ada King', minLength: 1, maxLength: 120 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 120)
  displayName: string;
}
