/**
 * The real ports of a deploy run, signed with TENCENTCLOUD_SECRETID / TENCENTCLOUD_SECRETKEY
 * (and TENCENTCLOUD_SESSIONTOKEN when set):
 * - SCF: the per-product `tencentcloud-sdk-nodejs-scf` client, one method per API action
 *   (`STRATA_SCF_ENDPOINT` points it elsewhere, as for invokeAsync).
 * - COS: bucket lifecycle and inventory through the COS XML API (`PUT|GET /?lifecycle`,
 *   `PUT|GET /?inventory&id=`), signed with AWS Signature V4, which COS accepts for its
 *   S3-compatible access. The inventory body uses COS's own element names
 *   (`COSBucketDestination`), which the S3 SDK cannot send, hence plain XML over fetch.
 *   Not exercised against a live account from this repository (no credentials here).
 */
import { createHash, createHmac } from 'node:crypto';
import { SignatureV4 } from '@smithy/signature-v4';
import { ConfigError, StrataError } from '@strata/core/errors';
import { scf } from 'tencentcloud-sdk-nodejs-scf';
import type { CosPort, ScfPort } from './run';

interface Keys {
  readonly secretId: string;
  readonly secretKey: string;
  readonly token?: string;
}

export function keysFromEnv(env: NodeJS.ProcessEnv): Keys {
  const secretId = env.TENCENTCLOUD_SECRETID;
  const secretKey = env.TENCENTCLOUD_SECRETKEY;
  if (!secretId || !secretKey) throw new ConfigError('deploy: TENCENTCLOUD_SECRETID and TENCENTCLOUD_SECRETKEY must be set (or use --dry-run)');
  return { secretId, secretKey, ...(env.TENCENTCLOUD_SESSIONTOKEN ? { token: env.TENCENTCLOUD_SESSIONTOKEN } : {}) };
}

export function scfPort(region: string, keys: Keys, endpoint?: string): ScfPort {
  const url = endpoint ? new URL(endpoint) : null;
  const client = new scf.v20180416.Client({
    credential: { secretId: keys.secretId, secretKey: keys.secretKey, ...(keys.token ? { token: keys.token } : {}) },
    region,
    profile: url ? { httpProfile: { endpoint: url.host, protocol: url.protocol === 'http:' ? 'http://' : 'https://' } } : {},
  });
  return {
    async call(action, params) {
      const method = (client as unknown as Record<string, (p: unknown) => Promise<Record<string, unknown>>>)[action];
      if (typeof method !== 'function') throw new StrataError('DeployFailed', `SCF SDK has no action ${action}`);
      return method.call(client, params);
    },
  };
}

// --- XML for the COS bodies ------------------------------------------------------------------------

const ARRAYS = new Set(['Rule', 'Transition', 'NoncurrentVersionTransition', 'Field', 'Tag']);
const NUMBERS = new Set(['Days', 'NoncurrentDays', 'DaysAfterInitiation']);

const xmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function toXml(name: string, value: unknown): string {
  if (Array.isArray(value)) return value.map((v) => toXml(name, v)).join('');
  if (value && typeof value === 'object') return `<${name}>${Object.entries(value).map(([k, v]) => toXml(k, v)).join('')}</${name}>`;
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** Parses the element-only XML COS answers with (no attributes, no mixed content). */
export function fromXml(xml: string): Record<string, unknown> {
  const tokens = xml.replace(/<\?xml[^>]*\?>/, '').match(/<\/?[A-Za-z][^>]*>|[^<]+/g) ?? [];
  const stack: { name: string; obj: Record<string, unknown>; text: string }[] = [{ name: '', obj: {}, text: '' }];
  for (const token of tokens) {
    if (token.startsWith('</')) {
      const done = stack.pop()!;
      const parent = stack[stack.length - 1]!.obj;
      let value: unknown = Object.keys(done.obj).length > 0 ? done.obj : done.text.trim();
      if (NUMBERS.has(done.name)) value = Number(value);
      if (done.name === 'ExpiredObjectDeleteMarker') value = value === 'true';
      if (ARRAYS.has(done.name)) parent[done.name] = [...((parent[done.name] as unknown[]) ?? []), value];
      else parent[done.name] = value;
    } else if (token.startsWith('<')) {
      const name = /^<([A-Za-z0-9_]+)/.exec(token)![1]!;
      if (token.endsWith('/>')) stack[stack.length - 1]!.obj[name] = '';
      else stack.push({ name, obj: {}, text: '' });
    } else {
      stack[stack.length - 1]!.text += token.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    }
  }
  return stack[0]!.obj;
}

type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (d: SourceData): Uint8Array | string => (typeof d === 'string' ? d : ArrayBuffer.isView(d) ? new Uint8Array(d.buffer, d.byteOffset, d.byteLength) : new Uint8Array(d));

class Sha256 {
  private readonly hash;
  constructor(secret?: SourceData) {
    this.hash = secret ? createHmac('sha256', bytesOf(secret)) : createHash('sha256');
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export function cosPort(region: string, keys: Keys): CosPort {
  const signer = new SignatureV4({
    service: 's3',
    region,
    sha256: Sha256,
    credentials: { accessKeyId: keys.secretId, secretAccessKey: keys.secretKey, ...(keys.token ? { sessionToken: keys.token } : {}) },
  });
  async function send(method: 'GET' | 'PUT', bucket: string, query: Record<string, string>, body?: string): Promise<string | null> {
    const hostname = `${bucket}.cos.${region}.myqcloud.com`;
    const headers: Record<string, string> = { host: hostname };
    if (body !== undefined) {
      headers['content-type'] = 'application/xml';
      headers['content-md5'] = createHash('md5').update(body).digest('base64');
    }
    const signed = await signer.sign({ method, protocol: 'https:', hostname, path: '/', query, headers, body });
    const qs = Object.entries(query).map(([k, v]) => (v === '' ? k : `${k}=${encodeURIComponent(v)}`)).join('&');
    const res = await fetch(`https://${hostname}/?${qs}`, { method, headers: signed.headers as Record<string, string>, body });
    const text = await res.text();
    if (res.status === 404) return null;
    if (!res.ok) throw new StrataError('DeployFailed', `COS ${method} ${bucket}?${qs}: HTTP ${res.status} ${text.slice(0, 300)}`);
    return text;
  }
  return {
    async getLifecycle(bucket) {
      const xml = await send('GET', bucket, { lifecycle: '' });
      return xml ? (((fromXml(xml).LifecycleConfiguration as Record<string, unknown>)?.Rule as Record<string, unknown>[]) ?? null) : null;
    },
    async putLifecycle(bucket, rules) {
      await send('PUT', bucket, { lifecycle: '' }, toXml('LifecycleConfiguration', { Rule: rules }));
    },
    async getInventory(bucket, id) {
      const xml = await send('GET', bucket, { inventory: '', id });
      return xml ? ((fromXml(xml).InventoryConfiguration as Record<string, unknown>) ?? null) : null;
    },
    async putInventory(bucket, id, configuration) {
      await send('PUT', bucket, { inventory: '', id }, toXml('InventoryConfiguration', configuration));
    },
  };
}
