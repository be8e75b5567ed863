/**
 * `npm run test:radosgw`: the storage gateway's tests and the pipeline's end-to-end test against
 * radosgw (infra/peer/radosgw.sh starts it and sets S3_TARGET=radosgw). The project name labels
 * every test line `|radosgw|`.
 */
import { defineConfig } from 'vitest/config';
import base from './vitest.config';

export default defineConfig({
  test: {
    ...base.test,
    name: 'radosgw',
    include: ['test/core/storage/**/*.test.ts', 'test/e2e/pipeline.test.ts', 'test/infra/peer/*.test.ts'],
  },
});
