/**
 * Provider event names → canonical operation. Covers the S3 notification names (with or without
 * `s3:`), MinIO/RustFS/Ceph names, COS `cos:*` names and EventBridge detail-types.
 * Anything not listed (tagging, ACL, access, replication, restore initiated/expired…) is `other`.
 */
import type { StorageOperation } from './types';

const EVENTBRIDGE_DETAIL_TYPES: Readonly<Record<string, StorageOperation>> = {
  'Object Created': 'created',
  'Object Deleted': 'removed',
  'Object Restore Completed': 'restored',
  'Object Storage Class Changed': 'transitioned',
  'Object Access Tier Changed': 'transitioned',
};

/** For `Records[]`-style names: `s3:ObjectCreated:Put`, `ObjectRemoved:Delete`, `cos:ObjectRestore:Completed`… */
export function operationOfEventName(eventName: string): StorageOperation {
  const name = eventName.replace(/^(s3|cos):/i, '');
  const [family = '', action = ''] = name.split(':');
  switch (family) {
    case 'ObjectCreated':
      return 'created';
    case 'ObjectRemoved': // S3, MinIO, RustFS, Ceph
    case 'ObjectRemove': // COS spells it without the d
    case 'LifecycleExpiration':
      return 'removed';
    case 'ObjectRestore':
      // Post = restore job started (object still archived); Delete = restored copy expired.
      return action === 'Completed' ? 'restored' : 'other';
    case 'LifecycleTransition':
    case 'IntelligentTiering':
      return 'transitioned';
    case 'ObjectTransition': // MinIO/RustFS ILM
      return action === 'Complete' ? 'transitioned' : 'other';
    case 'ObjectLifecycle': // Ceph: ObjectLifecycle:Expiration:*, ObjectLifecycle:Transition:*
      return action === 'Expiration' ? 'removed' : action === 'Transition' ? 'transitioned' : 'other';
    default:
      return 'other';
  }
}

/** For EventBridge `detail-type`s: `Object Created`, `Object Deleted`, `Object Restore Completed`… */
export function operationOfDetailType(detailType: string): StorageOperation {
  return Object.hasOwn(EVENTBRIDGE_DETAIL_TYPES, detailType) ? (EVENTBRIDGE_DETAIL_TYPES[detailType] ?? 'other') : 'other';
}
