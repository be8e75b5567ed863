import { describe, expect, it } from 'vitest';
import { parseEvent, type StorageEvent } from '../../../shared/events';

function s3Op(eventName: string): string {
  const event = parseEvent({ Records: [{ eventSource: 'minio:s3', eventName, s3: { bucket: { name: 'b' }, object: { key: 'k' } } }] }) as StorageEvent;
  return event.records[0]?.operation ?? '';
}
function cosOp(eventName: string): string {
  const payload = { Records: [{ cos: { cosObject: { key: '/1/b/k' }, cosBucket: { name: 'b', appid: '1' } }, event: { eventName } }] };
  return ((parseEvent(payload) as StorageEvent).records[0]?.operation) ?? '';
}
function ebOp(detailType: string): string {
  return ((parseEvent({ source: 'aws.s3', 'detail-type': detailType, detail: { bucket: { name: 'b' }, object: { key: 'k' } } }) as StorageEvent).records[0]?.operation) ?? '';
}

describe('event names map to canonical operations', () => {
  it.each([
    ['ObjectCreated:Put', 'created'],
    ['s3:ObjectCreated:Post', 'created'],
    ['s3:ObjectCreated:Copy', 'created'],
    ['ObjectCreated:CompleteMultipartUpload', 'created'],
    ['s3:ObjectCreated:PutRetention', 'created'],
    ['ObjectRemoved:Delete', 'removed'],
    ['s3:ObjectRemoved:DeleteMarkerCreated', 'removed'],
    ['LifecycleExpiration:Delete', 'removed'],
    ['s3:ObjectRestore:Completed', 'restored'],
    ['s3:ObjectRestore:Post', 'other'],
    ['s3:ObjectRestore:Delete', 'other'],
    ['LifecycleTransition', 'transitioned'],
    ['s3:IntelligentTiering', 'transitioned'],
    ['s3:ObjectTransition:Complete', 'transitioned'],
    ['s3:ObjectTransition:Failed', 'other'],
    ['ObjectLifecycle:Expiration:Current', 'removed'],
    ['ObjectLifecycle:Transition:Current', 'transitioned'],
    ['s3:ObjectAccessed:Get', 'other'],
    ['s3:ObjectTagging:Put', 'other'],
    ['s3:Replication:OperationFailedReplication', 'other'],
    ['s3:ReducedRedundancyLostObject', 'other'],
  ])('S3/MinIO/RustFS/Ceph %s → %s', (name, op) => expect(s3Op(name)).toBe(op));

  it.each([
    ['cos:ObjectCreated:*', 'created'],
    ['cos:ObjectCreated:Put', 'created'],
    ['cos:ObjectCreated:Post', 'created'],
    ['cos:ObjectCreated:Copy', 'created'],
    ['cos:ObjectCreated:CompleteMultipartUpload', 'created'],
    ['cos:ObjectCreated:Origin', 'created'],
    ['cos:ObjectCreated:Replication', 'created'],
    ['cos:ObjectRemove:*', 'removed'],
    ['cos:ObjectRemove:Delete', 'removed'],
    ['cos:ObjectRemove:DeleteMarkerCreated', 'removed'],
    ['cos:ObjectRestore:Post', 'other'],
    ['cos:ObjectRestore:Completed', 'restored'],
  ])('COS %s → %s', (name, op) => expect(cosOp(name)).toBe(op));

  it.each([
    ['Object Created', 'created'],
    ['Object Deleted', 'removed'],
    ['Object Restore Completed', 'restored'],
    ['Object Restore Initiated', 'other'],
    ['Object Restore Expired', 'other'],
    ['Object Storage Class Changed', 'transitioned'],
    ['Object Access Tier Changed', 'transitioned'],
    ['Object ACL Updated', 'other'],
    ['Object Tags Added', 'other'],
    ['Object Tags Deleted', 'other'],
    ['constructor', 'other'],
  ])('EventBridge %s → %s', (name, op) => expect(ebOp(name)).toBe(op));
});
