import type { Config } from 'jest';
import base from '../../jest.config';

/**
 * The customer journey (tests/e2e/journey.e2e-spec.ts) against services that already run, here the
 * containers of tools/images/run.sh on the ports it exports (ECOTRACK_<SERVICE>_PORT). The e2e
 * project's own setup runs `./ecotrack up`, which would move the native services to those ports:
 * this one only reads the running stack's environment.
 */
type Project = Exclude<NonNullable<Config['projects']>[number], string>;
const e2e = (base.projects as Project[]).find((project) => project.displayName === 'e2e');
if (!e2e) throw new Error('jest.config.ts has no e2e project');

const config: Config = {
  ...e2e,
  displayName: 'journey-images',
  rootDir: '../..',
  testMatch: ['<rootDir>/tests/e2e/journey.e2e-spec.ts'],
  globalSetup: '<rootDir>/tools/images/journey-setup.ts',
};

export default config;
