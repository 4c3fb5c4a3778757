import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager, Repository } from 'typeorm';
import type { Channel } from '../providers/channel';
import { NotificationPreference } from './notification-preference.entity';
import type { PreferencesDto } from './preferences.dto';

const DEFAULTS = { email: true, sms: true, push: true };

@Injectable()
export class PreferencesService {
  constructor(@InjectRepository(NotificationPreference) private readonly preferences: Repository<NotificationPreference>) {}

  /** `manager`: read inside the caller's transaction (e.g. a consumer's). */
  async get(userId: string, manager?: EntityManager): Promise<Pick<NotificationPreference, Channel>> {
    const repository = manager ? manager.getRepository(NotificationPreference) : this.preferences;
    return (await repository.findOneBy({ userId })) ?? DEFAULTS;
  }

  async put(userId: string, preferences: PreferencesDto): Promise<Pick<NotificationPreference, Channel>> {
    await this.preferences.upsert({ userId, email: preferences.email, sms: preferences.sms, push: preferences.push }, ['userId']);
    return this.get(userId);
  }

  async optedIn(userId: string, channel: Channel, manager?: EntityManager): Promise<boolean> {
    return (await this.get(userId, manager))[channel];
  }
}
