import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  // single-file components in the agent UI's component tests (tests/unit/ui-*)
  plugins: [vue()],
  test: {
    include: ['tests/**/*.test.ts'],
    globalSetup: ['tests/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 4,
    // each file gets its own database and queue prefix, so files run in parallel
    fileParallelism: true,
    env: { NODE_ENV: 'test' },
  },
});
