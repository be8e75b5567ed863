/** What HEAD says about a protected object: the content's size, type and checksums, and its layout. */
import type { ObjectInfo } from '../types';
import { contentChecksum, protectionInfo, type Manifest } from './manifest';

export function protectedObjectInfo(manifestInfo: ObjectInfo, manifest: Manifest): ObjectInfo {
  return {
    ...manifestInfo,
    size: manifest.size,
    contentType: manifest.contentType,
    checksum: contentChecksum(manifest),
    protected: protectionInfo(manifest),
  };
}
