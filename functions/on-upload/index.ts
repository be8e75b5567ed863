import { loadFunctionConfig } from '../../shared/config';
import { safeParseEvent } from '../../shared/events';
import { invokeAsync } from '../../shared/invoke';
import { createLogger } from '../../shared/log';
import { gatewayFromConfig } from '../../shared/pipeline/gateway';
import type { ScfContext } from '../../shared/scf';
import { ingestRecord, type IngestDeps, type IngestOutcome } from './ingest';

// Cold start: a bad setting fails here, once, with the variable's name.
const config = loadFunctionConfig('on-upload', process.env);
const gateway = gatewayFromConfig(config);
const logger = createLogger({ function: 'on-upload' }, { level: config.logLevel });
const handOff: IngestDeps['handOff'] = async (job) => {
  await invokeAsync('transcode', job, { spill: { gateway, bucket: config.buckets.derived } });
};

/**
 * SCF entry for the upload bucket's COS trigger (any storage-event shape is accepted).
 * A malformed event is reported and not retried (retrying cannot repair it); a storage error
 * is thrown so SCF's async retry runs; records already handled are skipped on retry.
 */
export const main_handler = async (event: unknown, context: ScfContext = {}) => {
  const log = logger.child({ requestId: context.request_id });
  const parsed = safeParseEvent(event);
  if (!parsed.ok) {
    log.error({ reason: parsed.reason }, 'invalid event: ignored');
    return { status: 'invalid', reason: parsed.reason };
  }
  if (parsed.event.kind !== 'storage') {
    log.info({ kind: parsed.event.kind }, 'not a storage event: ignored');
    return { status: 'ignored', kind: parsed.event.kind };
  }
  const records: { key: string; outcome: IngestOutcome }[] = [];
  for (const record of parsed.event.records) {
    records.push({ key: record.key, outcome: await ingestRecord(record, { config, gateway, log, handOff }) });
  }
  return { status: 'ok', records };
};
