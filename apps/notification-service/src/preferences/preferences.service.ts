import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { Channel } from '../channels/channel';
import { NotificationPreference } from './notification-preference.entity';
import type { PreferencesDto } from './preferences.dto';

const DEFAULTS = { email: true, sms: true, push: true };

@Injectable()
export class PreferencesService {
  constructor(@InjectRepository(NotificationPreference) private readonly preferences: Repository<NotificationPreference>) {}

  async get(userId: string): Promise<Pick<NotificationPreference, Channel>> {
    return (await this.preferences.findOneBy({ userId })) ?? DEFAULTS;
  }

  async put(userId: string, preferences: PreferencesDto): Promise<Pick<NotificationPreference, Channel>> {
    await this.preferences.upsert({ userId, email: preferences.email, sms: preferences.sms, push: preferences.push }, ['userId']);
    return this.get(userId);
  }

  async optedIn(userId: string, channel: Channel): Promise<boolean> {
    return (await this.get(userId))[channel];
  }
}
