import { readStackEnv } from '../../libs/testing/src/infrastructure';

/** The running stack's environment, as the e2e setup gives it, without starting or restarting anything. */
export default async function journeySetup(): Promise<void> {
  Object.assign(process.env, readStackEnv());
}
