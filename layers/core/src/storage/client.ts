/**
 * The SDK client and one `send` that also exposes raw response headers (COS's
 * `x-cos-hash-crc64ecma`, S3's checksum type) and adds raw request headers the SDK's
 * input shapes lack (`x-amz-checksum-mode` without the SDK's own slow re-validation).
 */
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import type { ProviderProfile } from './profiles';

export interface StorageCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface ClientOptions {
  readonly endpoint?: string;
  readonly region: string;
  /**
   * Fixed keys, or a function read afresh before every request: temporary keys that change
   * under a warm process (SCF hands an image function its role's keys with each invocation).
   */
  readonly credentials: StorageCredentials | (() => StorageCredentials);
  readonly forcePathStyle?: boolean;
}

/**
 * The SDK caches what a credentials provider returns until its `expiration` is near; one that
 * has already expired is fetched again for every request, which is what live keys need.
 */
function sdkCredentials(credentials: ClientOptions['credentials']): S3ClientConfig['credentials'] {
  if (typeof credentials !== 'function') return { ...credentials };
  return async () => ({ ...credentials(), expiration: new Date(0) });
}

export function buildS3Client(options: ClientOptions, profile: ProviderProfile): S3Client {
  const endpoint = options.endpoint ?? profile.defaultEndpoint(options.region);
  const config: S3ClientConfig = {
    region: options.region,
    credentials: sdkCredentials(options.credentials),
    forcePathStyle: options.forcePathStyle ?? (profile.forcePathStyle && Boolean(endpoint)),
    // The SDK's default flexible checksums send aws-chunked bodies that COS and s3rver reject
    // or corrupt, and validate responses with a slow pure-JS CRC: the gateway sends and verifies
    // its own checksums instead.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
  if (endpoint) config.endpoint = endpoint;
  return new S3Client(config);
}

/** Anything `client.send` accepts, narrowed to what we touch. */
interface AnyCommand<O> {
  readonly middlewareStack: {
    add(mw: (next: (a: unknown) => Promise<unknown>) => (a: unknown) => Promise<unknown>, opts: { step: 'build' | 'deserialize'; name: string; priority?: 'high' | 'low' }): void;
  };
  readonly __output?: O;
}

export interface Sent<O> {
  readonly output: O;
  /** Response headers, names lower-cased. */
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * Sends `command`, adding `requestHeaders` before signing and returning the raw response
 * headers next to the parsed output.
 */
export async function sendWithHeaders<O>(
  client: S3Client,
  command: object,
  requestHeaders: Readonly<Record<string, string>> = {},
): Promise<Sent<O>> {
  let headers: Record<string, string> = {};
  const cmd = command as unknown as AnyCommand<O>;
  if (Object.keys(requestHeaders).length > 0) {
    cmd.middlewareStack.add(
      (next) => async (args) => {
        const req = (args as { request: { headers: Record<string, string> } }).request;
        Object.assign(req.headers, requestHeaders);
        return next(args);
      },
      { step: 'build', name: 'strataRequestHeaders', priority: 'low' },
    );
  }
  cmd.middlewareStack.add(
    (next) => async (args) => {
      const result = (await next(args)) as { response?: { headers?: Record<string, string> } };
      headers = Object.fromEntries(Object.entries(result.response?.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      return result;
    },
    { step: 'deserialize', name: 'strataResponseHeaders', priority: 'low' },
  );
  const output = (await client.send(command as never)) as O;
  return { output, headers };
}
