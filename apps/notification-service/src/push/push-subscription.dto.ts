import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import type { PushSubscription } from './push-subscription.entity';

const EXAMPLE_ENDPOINT = 'https://fcm.googleapis.com/fcm/send/dR3yQ8l1x0E:APA91bG0n6a3';

export class PushSubscriptionKeysDto {
  @ApiProperty({ description: "The browser's P-256 public key, base64url (65 bytes uncompressed)", example: 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM' })
  @IsString()
  @MaxLength(128)
  p256dh: string;

  @ApiProperty({ description: "The browser's auth secret, base64url (16 bytes)", example: 'tBHItJI5svbpez7KI4CCXg' })
  @IsString()
  @MaxLength(64)
  auth: string;
}

/** What the browser's PushSubscription.toJSON() gives, as it gives it. */
export class CreatePushSubscriptionDto {
  @ApiProperty({ description: 'The push service URL (https; http only in development/test), on a known push service host', example: EXAMPLE_ENDPOINT, maxLength: 2048 })
  @IsString()
  @MaxLength(2048)
  endpoint: string;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Epoch milliseconds. Accepted as browsers send it, not stored: an expired subscription is removed when its push service answers 404/410',
    example: null,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  expirationTime?: number | null;

  @ApiProperty({ type: PushSubscriptionKeysDto })
  @IsObject()
  @ValidateNested()
  @Type(() => PushSubscriptionKeysDto)
  keys: PushSubscriptionKeysDto;
}

export class PushSubscriptionDto {
  @ApiProperty({ format: 'uuid', example: '0b9f6c1e-3f5d-4a37-9a77-2f1d0c7e5b21' }) id: string;
  @ApiProperty({ example: EXAMPLE_ENDPOINT }) endpoint: string;
  @ApiProperty({ description: 'When it was (last) registered', example: '2026-11-26T12:00:00.000Z' }) createdAt: string;

  /** The keys are not echoed back. */
  static of(subscription: PushSubscription): PushSubscriptionDto {
    return { id: subscription.id, endpoint: subscription.endpoint, createdAt: subscription.createdAt.toISOString() };
  }
}

export class VapidPublicKeyDto {
  @ApiProperty({
    description: "The application server key for the browser's pushManager.subscribe({ applicationServerKey }), base64url",
    example: 'BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U',
  })
  publicKey: string;
}
