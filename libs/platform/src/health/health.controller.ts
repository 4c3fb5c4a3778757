import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { DependencyRegistry, Lifecycle } from '@ecotrack/core';

/**
 * live:  the process can answer at all (never looks at dependencies, so a
 *        database outage does not get every pod restarted).
 * ready: this instance should receive traffic: started, not draining, and no critical
 *        dependency down (its Kafka consumers included: in their groups, see MessageConsumer).
 */
@ApiExcludeController()
@Controller('health')
export class HealthController {
  constructor(
    private readonly lifecycle: Lifecycle,
    private readonly dependencies: DependencyRegistry,
  ) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const phase = this.lifecycle.phase;
    if (phase !== 'ready') {
      await reply.status(503).send({ status: phase });
      return;
    }
    const checks = await this.dependencies.probe();
    const allUp = Object.values(checks).every((state) => state === 'up');
    await reply.status(this.dependencies.servable(checks) ? 200 : 503).send({ status: allUp ? 'ok' : 'degraded', checks });
  }
}
