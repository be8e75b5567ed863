import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores in CI: media tests are CPU-bound, so keep parallelism modest.
    maxWorkers: 2,
    env: {
      STRATA_SHARED_DIR: process.env.STRATA_SHARED_DIR ?? '../shared',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
