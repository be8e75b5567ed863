#!/usr/bin/env node
// `strata` entry for the package's bin: runs the TypeScript CLI through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../infra/cli/main.ts');
