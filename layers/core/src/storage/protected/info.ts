/** What HEAD says about a protected object: the content's size, type and sha256, and its layout. */
import type { ObjectInfo } from '../types';
import { protectionInfo, type Manifest } from './manifest';

export function protectedObjectInfo(manifestInfo: ObjectInfo, manifest: Manifest): ObjectInfo {
  return {
    ...manifestInfo,
    size: manifest.size,
    contentType: manifest.contentType,
    checksum: { sha256: manifest.sha256 },
    protected: protectionInfo(manifest),
  };
}
