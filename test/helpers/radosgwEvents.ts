/**
 * The local stack on radosgw: radosgw's own bucket notifications (an SNS-style topic per trigger
 * bucket, pushing S3 event records over HTTP to a receiver here) become the stack's object events,
 * so the emulator builds its COS trigger payloads from what radosgw reported, not from our server.
 */
import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PutBucketNotificationConfigurationCommand } from '@aws-sdk/client-s3';
import type { LocalObjectEvent } from '../../infra/local/s3/server';
import type { StackS3 } from '../../infra/local/stack';
import { clientFor, freshBuckets, removeBuckets, signedRequest, type RadosgwTarget } from './radosgw';

/** One record of radosgw's S3-style event notification. */
interface RgwRecord {
  eventName?: string;
  eventTime?: string;
  responseElements?: Record<string, string>;
  s3?: { bucket?: { name?: string }; object?: { key?: string; size?: number; eTag?: string; sequencer?: string } };
}

const OPS: Readonly<Record<string, LocalObjectEvent['op']>> = {
  'ObjectCreated:Put': 'put',
  'ObjectCreated:Post': 'post',
  'ObjectCreated:Copy': 'copy',
  'ObjectCreated:CompleteMultipartUpload': 'multipart',
  'ObjectRemoved:Delete': 'delete',
};

/** radosgw's record as the embedded server's event; null for kinds the stack does not model. */
export function fromRgwRecord(r: RgwRecord, counter: number): LocalObjectEvent | null {
  const name = (r.eventName ?? '').replace(/^s3:/, '');
  const op = OPS[name];
  const bucket = r.s3?.bucket?.name;
  const key = r.s3?.object?.key;
  if (!op || !bucket || key === undefined) return null;
  const requestId = r.responseElements?.['x-amz-request-id'] ?? '';
  return {
    type: op === 'delete' ? 'removed' : 'created',
    op,
    bucket,
    key,
    size: op === 'delete' ? null : (r.s3?.object?.size ?? null),
    etag: r.s3?.object?.eTag ? r.s3.object.eTag.replaceAll('"', '') : null,
    // radosgw's records carry no storage class.
    storageClass: op === 'delete' ? null : 'STANDARD',
    // Unique per notification: radosgw's request id names the request, the counter orders them.
    sequencer: `rgw-${String(counter).padStart(8, '0')}-${requestId || (r.s3?.object?.sequencer ?? '')}`,
    time: r.eventTime ?? new Date().toISOString(),
    requestId,
  };
}

/**
 * A `StackOptions.s3` factory for radosgw: makes the stack's buckets in this tenant, and for each
 * trigger bucket a topic pushing to a local receiver plus a notification for every created and
 * removed object. radosgw 16 pushes a non-persistent topic's record before it answers the request.
 */
export function radosgwStackS3(target: RadosgwTarget, keys: { tenant: string; accessKey: string; secretKey: string }) {
  return async (need: { readonly buckets: readonly string[]; readonly triggerBuckets: readonly string[] }): Promise<StackS3> => {
    const events = new EventEmitter<{ object: [LocalObjectEvent] }>();
    let counter = 0;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Records?: RgwRecord[] };
          for (const r of body.Records ?? []) {
            const e = fromRgwRecord(r, ++counter);
            if (e) events.emit('object', e);
          }
          res.writeHead(200).end();
        } catch {
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
    const pushEndpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
    const client = clientFor(target.endpoint, keys);
    await freshBuckets(client, need.buckets);
    for (const bucket of need.triggerBuckets) {
      const topic = `strata-${bucket}`;
      const form = new URLSearchParams({
        Action: 'CreateTopic',
        Name: topic,
        'Attributes.entry.1.key': 'push-endpoint',
        'Attributes.entry.1.value': pushEndpoint,
      }).toString();
      const r = await signedRequest(target, keys, 'POST', '/', {}, form, { 'content-type': 'application/x-www-form-urlencoded' });
      const arn = /<TopicArn>([^<]+)<\/TopicArn>/.exec(r.text)?.[1];
      if (r.status !== 200 || !arn) throw new Error(`radosgw CreateTopic ${topic} answered ${r.status}: ${r.text}`);
      await client.send(
        new PutBucketNotificationConfigurationCommand({
          Bucket: bucket,
          NotificationConfiguration: { TopicConfigurations: [{ Id: `strata-${bucket}`, TopicArn: arn, Events: ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'] }] },
        }),
      );
    }
    return {
      endpoint: target.endpoint,
      events,
      async close() {
        await removeBuckets(client, need.buckets);
        client.destroy();
        await new Promise<void>((ok) => receiver.close(() => ok()));
      },
    };
  };
}
