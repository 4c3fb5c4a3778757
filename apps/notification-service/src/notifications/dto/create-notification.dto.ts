import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsObject, IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { CHANNELS, type Channel } from '../../providers/channel';
import { TEMPLATE_NAMES, type TemplateName } from '../../templates/templates';

export class CreateNotificationDto {
  @ApiProperty({ format: 'uuid', description: 'Whom it is for (their preferences apply)' })
  @IsUUID()
  userId: string;

  @ApiProperty({ enum: CHANNELS })
  @IsIn(CHANNELS)
  channel: Channel;

  @ApiProperty({ enum: TEMPLATE_NAMES })
  @IsIn(TEMPLATE_NAMES)
  template: TemplateName;

  @ApiProperty({ type: 'object', additionalProperties: true, description: "The template's fields, all required, none other", example: { name: 'Ada' } })
  @IsObject()
  data: Record<string, unknown>;

  @ApiPropertyOptional({ description: "Email address (email) or E.164 number (sms); omitted for push, which goes to the user's push subscriptions", example: 'ada@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(320)
  to?: string;
}
