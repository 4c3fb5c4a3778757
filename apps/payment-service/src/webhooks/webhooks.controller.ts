import { Controller, HttpCode, Post, Req, type RawBodyRequest } from '@nestjs/common';
import { Public } from '@ecotrack/platform';
import { ApiBadRequestResponse, ApiBody, ApiHeader, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { WEBHOOK_ACK_EXAMPLES, WebhookAckDto } from './dto/webhook-ack.dto';
import { WebhookProblemType, toWebhookProblem } from './webhook-problems';
import { WebhookVerification } from './webhook-verification';
import { WebhooksService } from './webhooks.service';

const rejected = (provider: string, reason: string, detail: string) => ({
  summary: detail,
  value: { type: WebhookProblemType.rejected, title: 'Webhook rejected', status: 400, detail, provider, reason, instance: `/v1/webhooks/${provider}` },
});

const notConfigured = (provider: string) => ({
  summary: 'No signing secret / webhook id in this deployment',
  value: {
    type: WebhookProblemType.notConfigured,
    title: 'Webhook not configured',
    status: 404,
    detail: `${provider} webhooks are not configured in this deployment`,
    provider,
    instance: `/v1/webhooks/${provider}`,
  },
});

const BAD_REQUEST =
  'problem+json (type urn:ecotrack:problem:webhook-rejected, with `reason`): signature missing, wrong or made for another endpoint, ' +
  'timestamp outside the tolerance, or a body that is not an event. Nothing is written.';

/**
 * Provider event deliveries. No bearer token: the signature over the raw body is the authentication,
 * and the timestamp in it bounds replays of a captured request. Redeliveries of an event already
 * received are acknowledged (200, duplicate) and change nothing.
 */
@Public()
@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly verification: WebhookVerification,
    private readonly webhooks: WebhooksService,
  ) {}

  @Post('stripe')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Stripe event delivery',
    description:
      'Verifies `Stripe-Signature` over the raw body with the endpoint secret (STRIPE_WEBHOOK_SECRET) and a timestamp tolerance ' +
      '(WEBHOOK_TOLERANCE_SECONDS), then reconciles the payment named by the PaymentIntent: amount_capturable_updated → AUTHORIZED, ' +
      'succeeded → CAPTURED, canceled → VOIDED, payment_failed → FAILED, charge.refunded (full) → REFUNDED; forward only.',
  })
  @ApiHeader({ name: 'Stripe-Signature', required: true, description: '`t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`' })
  @ApiBody({ description: 'The Stripe Event, exactly as Stripe sent it', schema: { type: 'object', example: { id: 'evt_1Q', type: 'payment_intent.succeeded', data: { object: { id: 'pi_3Q', object: 'payment_intent' } } } } })
  @ApiOkResponse({ type: WebhookAckDto, description: 'Received (also for duplicates, unknown payments and event types we do not act on)', examples: WEBHOOK_ACK_EXAMPLES })
  @ApiBadRequestResponse({
    description: BAD_REQUEST,
    examples: {
      invalid: rejected('stripe', 'invalid-signature', 'the Stripe-Signature header does not match the body'),
      stale: rejected('stripe', 'stale-timestamp', 'the Stripe-Signature timestamp is more than 300 s old'),
    },
  })
  @ApiNotFoundResponse({ description: 'STRIPE_WEBHOOK_SECRET is not set: this deployment takes no Stripe events (problem+json); Stripe retries', examples: { notConfigured: notConfigured('stripe') } })
  stripe(@Req() request: RawBodyRequest<FastifyRequest>): Promise<WebhookAckDto> {
    return this.run(async () => this.webhooks.receive(this.verification.stripe(request.rawBody, request.headers)));
  }

  @Post('paypal')
  @HttpCode(200)
  @ApiOperation({
    summary: 'PayPal event delivery',
    description:
      'Verifies the SHA256withRSA transmission signature offline over `transmissionId|transmissionTime|PAYPAL_WEBHOOK_ID|crc32(body)` ' +
      "with the certificate at paypal-cert-url, fetched only over https from PAYPAL_WEBHOOK_CERT_HOSTS (cached); PayPal's verify API is not called. " +
      'Then reconciles the payment named by the resource: PAYMENT.AUTHORIZATION.CREATED → AUTHORIZED, PAYMENT.CAPTURE.COMPLETED → CAPTURED, ' +
      'PAYMENT.AUTHORIZATION.VOIDED → VOIDED, PAYMENT.CAPTURE.REFUNDED (full) → REFUNDED, PAYMENT.CAPTURE.DENIED → FAILED; forward only.',
  })
  @ApiHeader({ name: 'paypal-transmission-id', required: true })
  @ApiHeader({ name: 'paypal-transmission-time', required: true, description: 'RFC 3339; within WEBHOOK_TOLERANCE_SECONDS of our clock' })
  @ApiHeader({ name: 'paypal-transmission-sig', required: true, description: 'base64 RSA signature' })
  @ApiHeader({ name: 'paypal-cert-url', required: true, description: 'https URL on an allowed PayPal host, under /v1/notifications/certs/' })
  @ApiHeader({ name: 'paypal-auth-algo', required: true, description: 'SHA256withRSA' })
  @ApiBody({ description: 'The PayPal webhook event, exactly as PayPal sent it', schema: { type: 'object', example: { id: 'WH-2WR32451HC0233532-67976317FL4543714', event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: { id: '2GG279541U471931P' } } } })
  @ApiOkResponse({ type: WebhookAckDto, description: 'Received (also for duplicates, unknown payments and event types we do not act on)', examples: WEBHOOK_ACK_EXAMPLES })
  @ApiBadRequestResponse({
    description: `${BAD_REQUEST} Also: a certificate URL that is not https or not on an allowed host (never fetched), or an expired certificate.`,
    examples: {
      invalid: rejected('paypal', 'invalid-signature', 'paypal-transmission-sig does not match the body, the transmission headers and this webhook'),
      host: rejected('paypal', 'certificate-url-not-allowed', 'paypal-cert-url is not on an allowed PayPal certificate host'),
    },
  })
  @ApiNotFoundResponse({ description: 'PAYPAL_WEBHOOK_ID is not set: this deployment takes no PayPal events (problem+json); PayPal retries', examples: { notConfigured: notConfigured('paypal') } })
  @ApiServiceUnavailableResponse({ description: 'The signing certificate could not be fetched (problem+json); PayPal retries' })
  paypal(@Req() request: RawBodyRequest<FastifyRequest>): Promise<WebhookAckDto> {
    return this.run(async () => this.webhooks.receive(await this.verification.paypal(request.rawBody, request.headers)));
  }

  private async run<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      throw toWebhookProblem(error);
    }
  }
}
