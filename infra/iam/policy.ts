/**
 * The least-privilege CAM policy for the role Strata's functions run as, generated from the calls
 * the code makes: every `new <X>Command(` of @aws-sdk/client-s3 in the production tree
 * (functions/, shared/, layers/core/src/) mapped to its COS action, and every
 * `invokeAsync('<function>'` mapped to `scf:InvokeFunction` on that deployed function.
 * COS actions are granted on Strata's buckets only; nothing else is granted.
 * Action names: COS "CAM-supported APIs" (https://www.tencentcloud.com/document/product/436/30580),
 * resource syntax `qcs::cos:<region>:uid/<appid>:<bucket>-<appid>/*` (https://www.tencentcloud.com/document/product/436/30581),
 * SCF `qcs::scf:<region>:uin/<uin>:namespace/<ns>/function/<name>` (https://www.tencentcloud.com/document/product/583/38140).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Where production code lives (what is bundled into functions, layers and images). */
export const PRODUCTION_ROOTS = ['functions', 'shared', 'layers/core/src'];

/** Each S3 command the code may send, and the COS actions it needs (a copy reads its source and writes its target). */
export const COS_ACTIONS: Readonly<Record<string, readonly string[]>> = {
  GetObjectCommand: ['cos:GetObject'],
  HeadObjectCommand: ['cos:HeadObject'],
  PutObjectCommand: ['cos:PutObject'],
  DeleteObjectCommand: ['cos:DeleteObject'],
  CopyObjectCommand: ['cos:GetObject', 'cos:PutObject'],
  ListObjectsV2Command: ['cos:GetBucket'],
  CreateMultipartUploadCommand: ['cos:InitiateMultipartUpload'],
  UploadPartCommand: ['cos:UploadPart'],
  CompleteMultipartUploadCommand: ['cos:CompleteMultipartUpload'],
  AbortMultipartUploadCommand: ['cos:AbortMultipartUpload'],
  ListMultipartUploadsCommand: ['cos:ListMultipartUploads'],
  PutObjectTaggingCommand: ['cos:PutObjectTagging'],
  GetObjectTaggingCommand: ['cos:GetObjectTagging'],
  RestoreObjectCommand: ['cos:PostObjectRestore'],
  // https://www.tencentcloud.com/document/product/436/69256 names cos:GetBucketVersioning.
  GetBucketVersioningCommand: ['cos:GetBucketVersioning'],
  // COS "GET Bucket Object versions"; the action name is UNCONFIRMED (the CAM API list,
  // https://www.tencentcloud.com/document/product/598/57092, was not read that far).
  ListObjectVersionsCommand: ['cos:GetBucketObjectVersions'],
};

/** Bucket-level actions (resource: the bucket); the others act on objects (resource: `bucket/*`). */
const BUCKET_ACTIONS = new Set(['cos:GetBucket', 'cos:ListMultipartUploads', 'cos:GetBucketVersioning', 'cos:GetBucketObjectVersions']);

export interface CallSite {
  readonly file: string;
  readonly line: number;
  /** `GetObjectCommand`, or `invokeAsync:transcode`. */
  readonly call: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(path);
    return /\.(ts|mts|js|mjs)$/.test(e.name) && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Every S3 command construction and every hand-off target in the production tree. */
export function findCallSites(repo: string): CallSite[] {
  const sites: CallSite[] = [];
  for (const root of PRODUCTION_ROOTS) {
    for (const file of sourceFiles(join(repo, root))) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((text, i) => {
        for (const m of text.matchAll(/new ([A-Z][A-Za-z0-9]*Command)\(/g)) sites.push({ file: relative(repo, file), line: i + 1, call: m[1]! });
        // invokeAsync('x', …), or through a dependency that wraps it (the API's deps.invoke('x', …)).
        for (const m of text.matchAll(/(?:invokeAsync|deps\.invoke)\('([A-Za-z][A-Za-z0-9_-]*)'/g)) sites.push({ file: relative(repo, file), line: i + 1, call: `invokeAsync:${m[1]}` });
      });
    }
  }
  return sites;
}

export interface PolicyInput {
  readonly service: string;
  readonly stage: string;
  readonly region: string;
  readonly appid: string;
  /** Account UIN for SCF resources; `*` when unknown. */
  readonly uin: string;
  readonly namespace: string;
  /** Strata's buckets (upload, derived, protect…), without the -appid suffix. */
  readonly buckets: readonly string[];
}

export interface CamStatement {
  readonly effect: 'allow';
  readonly action: string[];
  readonly resource: string[];
}

export interface CamPolicy {
  readonly version: '2.0';
  readonly statement: CamStatement[];
}

/** The policy for `sites`; throws when a call has no known action (so a new call cannot go ungranted). */
export function buildPolicy(sites: readonly CallSite[], input: PolicyInput): CamPolicy {
  const actions = new Set<string>();
  const functions = new Set<string>();
  for (const site of sites) {
    if (site.call.startsWith('invokeAsync:')) {
      functions.add(site.call.slice('invokeAsync:'.length));
      continue;
    }
    const mapped = COS_ACTIONS[site.call];
    // A plain Error: a storage call without a policy entry is a code change to finish, found by the policy test.
    if (!mapped) throw new Error(`${site.file}:${site.line}: ${site.call} has no COS action in infra/iam/policy.ts; add it to COS_ACTIONS`);
    for (const a of mapped) actions.add(a);
  }
  const bucketArn = (b: string) => `qcs::cos:${input.region}:uid/${input.appid}:${b}-${input.appid}`;
  const buckets = [...new Set(input.buckets)].sort();
  const statement: CamStatement[] = [];
  const objectActions = [...actions].filter((a) => !BUCKET_ACTIONS.has(a)).sort();
  const bucketActions = [...actions].filter((a) => BUCKET_ACTIONS.has(a)).sort();
  if (objectActions.length) statement.push({ effect: 'allow', action: objectActions.map((a) => `name/${a}`), resource: buckets.map((b) => `${bucketArn(b)}/*`) });
  if (bucketActions.length) statement.push({ effect: 'allow', action: bucketActions.map((a) => `name/${a}`), resource: buckets.map((b) => `${bucketArn(b)}/`) });
  if (functions.size) {
    statement.push({
      effect: 'allow',
      action: ['name/scf:InvokeFunction'],
      resource: [...functions].sort().map((f) => `qcs::scf:${input.region}:uin/${input.uin}:namespace/${input.namespace}/function/${input.service}-${input.stage}-${f}`),
    });
  }
  return { version: '2.0', statement };
}
