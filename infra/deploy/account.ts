/**
 * What the account holds, as the describe calls answer it (ListLayerVersions, GetFunction,
 * ListTriggers, GetFunctionEventInvokeConfig, GetReservedConcurrencyConfig; COS GET Bucket
 * lifecycle/inventory), reduced to the fields the deploy step manages. `--state FILE` is this
 * object as JSON: a dry run plans against it, a real run writes it after applying.
 */
import { z } from 'zod';

const layerVersion = z.object({ LayerVersion: z.number().int(), Description: z.string() });
const trigger = z.object({ Type: z.string(), TriggerName: z.string(), TriggerDesc: z.string(), Enable: z.enum(['OPEN', 'CLOSE']), CustomArgument: z.string().optional() });
const fn = z.object({
  Runtime: z.string(),
  Handler: z.string(),
  MemorySize: z.number().int(),
  Timeout: z.number().int(),
  Description: z.string(),
  Variables: z.record(z.string(), z.string()),
  Role: z.string(),
  Layers: z.array(z.object({ LayerName: z.string(), LayerVersion: z.number().int() })),
  ImageUri: z.string().nullable(),
  DeadLetter: z.object({ Type: z.string(), Name: z.string(), FilterType: z.string().optional() }).nullable(),
  Triggers: z.array(trigger),
  Async: z.object({ RetryNum: z.number().int(), MsgTTL: z.number().int() }).nullable(),
  ReservedConcurrencyMem: z.number().int().nullable(),
});
const bucket = z.object({
  Lifecycle: z.array(z.record(z.string(), z.unknown())).nullable(),
  Inventory: z.record(z.string(), z.record(z.string(), z.unknown())),
});

export const accountSchema = z.object({
  layers: z.record(z.string(), z.array(layerVersion)),
  functions: z.record(z.string(), fn),
  buckets: z.record(z.string(), bucket),
});

export type AccountState = z.infer<typeof accountSchema>;
export type AccountFunction = z.infer<typeof fn>;
export type AccountTrigger = z.infer<typeof trigger>;

export function emptyAccount(): AccountState {
  return { layers: {}, functions: {}, buckets: {} };
}

/** JSON with object keys sorted at every level: the same state always prints the same bytes. */
export function stableJson(value: unknown, indent = 2): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v as object)
          .sort()
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(sort(value), null, indent);
}
