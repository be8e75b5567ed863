/**
 * zod compiles a parser per object schema (`new Function`) and decides so when the schema is
 * built: a gain for schemas parsed many times, a loss at a cold start, which parses each of its
 * schemas once or twice (config, key record, card) and whose generated code is not in the bundle's
 * V8 code cache. Imported first by the api's entry, so it runs before any schema is built.
 */
import { config } from 'zod';

config({ jitless: true });
