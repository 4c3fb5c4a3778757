import { ApiProperty } from '@nestjs/swagger';
import { IsBoolean } from 'class-validator';
import type { NotificationPreference } from './notification-preference.entity';

/** Per-channel opt-in; PUT replaces all three. */
export class PreferencesDto {
  @ApiProperty() @IsBoolean() email: boolean;
  @ApiProperty() @IsBoolean() sms: boolean;
  @ApiProperty() @IsBoolean() push: boolean;

  static of(preference: Pick<NotificationPreference, 'email' | 'sms' | 'push'>): PreferencesDto {
    return { email: preference.email, sms: preference.sms, push: preference.push };
  }
}
