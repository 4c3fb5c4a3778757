import './instrumentation'; // must stay the first import
import { bootstrapService } from '@ecotrack/platform';
import { openBaoSecretSource } from '@ecotrack/secrets';
import { AppModule } from './app.module';
import { notificationConfig } from './config';
import { service } from './service';

void bootstrapService({ ...service, module: AppModule, config: notificationConfig, secrets: openBaoSecretSource });
