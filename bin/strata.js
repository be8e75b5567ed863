#!/usr/bin/env node
// `strata` entry for the package's bin: runs the CLI's esbuild bundle (dist/cli/main.js, built at
// install by `prepare`), plain JavaScript with each command in its own lazily loaded chunk. The
// bundle is (re)built first when it is missing or one of its sources changed since.
import { buildCli, isStale } from '../infra/cli/build.mjs';

if (isStale()) await buildCli();
await import('../dist/cli/main.js');
