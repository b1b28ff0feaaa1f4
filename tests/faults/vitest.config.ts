import { defineConfig } from 'vitest/config';

// The fault suite (`npm run test:faults`): kills and restarts its own Redis and hub processes, so it
// runs apart from `npm test`, one file at a time.
export default defineConfig({
  test: {
    root: '.',
    include: ['tests/faults/**/*.fault.ts'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    env: { NODE_ENV: 'test' },
  },
});
