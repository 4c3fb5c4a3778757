import { ApiProperty } from '@nestjs/swagger';
import type { Notification } from '../notification.entity';

export class NotificationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) userId: string;
  @ApiProperty({ enum: ['email', 'sms', 'push'] }) channel: string;
  @ApiProperty() template: string;
  @ApiProperty({ enum: ['queued', 'sent', 'delivered', 'failed'] }) status: string;
  @ApiProperty({ nullable: true, type: String, description: 'sendgrid, smtp, twilio or webpush', example: 'smtp' }) provider: string | null;
  @ApiProperty({ nullable: true, type: String, description: "The provider's message id (SMTP: our Message-ID; push to several browsers: none)" }) providerMessageId: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'opted-out, no address on file, interrupted, or why the provider refused (while queued: the last transient error)' }) failureReason: string | null;
  @ApiProperty({ description: 'Provider calls made so far, retries included' }) attempts: number;
  @ApiProperty({ nullable: true, type: String, format: 'uuid', description: 'The domain event it answers (one notification per event); null when sent over this API' }) sourceEventId: string | null;
  @ApiProperty() createdAt: string;
  @ApiProperty() updatedAt: string;

  /** The recipient address is not echoed back: it stays with the operators. */
  static of(notification: Notification): NotificationDto {
    return {
      id: notification.id,
      userId: notification.userId,
      channel: notification.channel,
      template: notification.template,
      status: notification.status,
      provider: notification.provider,
      providerMessageId: notification.providerMessageId,
      failureReason: notification.failureReason,
      attempts: notification.attempts,
      sourceEventId: notification.sourceEventId,
      createdAt: notification.createdAt.toISOString(),
      updatedAt: notification.updatedAt.toISOString(),
    };
  }
}

export class NotificationPageDto {
  @ApiProperty({ type: [NotificationDto] }) items: NotificationDto[];
  @ApiProperty() limit: number;
  @ApiProperty() offset: number;
}
