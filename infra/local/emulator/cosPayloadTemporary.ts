/**
 * TEMPORARY — delete when `toCosEvent` from shared/events (the events engineer's) is on main;
 * then import it from there instead. Builds the COS trigger payload SCF delivers
 * (scf-platform.md §3.1) from the local S3 server's object events.
 */
import type { LocalObjectEvent } from '../s3/server';

const REGION_SHORT: Record<string, string> = {
  'ap-guangzhou': 'gz', 'ap-shanghai': 'sh', 'ap-beijing': 'bj', 'ap-chengdu': 'cd', 'ap-chongqing': 'cq',
  'ap-nanjing': 'nj', 'ap-hongkong': 'hk', 'ap-singapore': 'sg', 'ap-tokyo': 'tky',
};

const EVENT_NAMES: Record<LocalObjectEvent['op'], string> = {
  put: 'cos:ObjectCreated:Put',
  post: 'cos:ObjectCreated:Post',
  copy: 'cos:ObjectCreated:Copy',
  multipart: 'cos:ObjectCreated:CompleteMultipartUpload',
  delete: 'cos:ObjectRemove:Delete',
  restore: 'cos:ObjectRestore:Completed',
};

export function toCosEvent(records: readonly LocalObjectEvent[], options: { appid: string; region: string }): { Records: unknown[] } {
  const { appid, region } = options;
  return {
    Records: records.map((r) => ({
      cos: {
        cosSchemaVersion: '1.0',
        cosObject: {
          url: `http://${r.bucket}-${appid}.cos.${region}.myqcloud.com/${r.key}`,
          meta: { 'x-cos-request-id': r.requestId, 'Content-Type': '' },
          vid: '',
          key: `/${appid}/${r.bucket}/${r.key}`,
          size: r.size ?? 0,
        },
        cosBucket: { region: REGION_SHORT[region] ?? region, name: r.bucket, appid },
        cosNotificationId: 'unkown',
      },
      event: {
        eventName: EVENT_NAMES[r.op],
        eventVersion: '1.0',
        eventTime: Math.floor(Date.parse(r.time) / 1000),
        eventSource: 'qcs::cos',
        requestParameters: { requestSourceIP: '127.0.0.1', requestHeaders: {} },
        eventQueue: `qcs:0:lambda:${REGION_SHORT[region] ?? region}:appid/${appid}:default.local.$LATEST`,
        reservedInfo: '',
        reqid: r.requestId,
      },
    })),
  };
}
