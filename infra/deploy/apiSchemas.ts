/**
 * The parameter list of every API call the deploy step makes, written from each action's public
 * API documentation page (cited per schema). Objects are strict: a parameter the page does not
 * list fails the check. Only the parameters the page lists are modelled; where the page gives a
 * range or an enumeration it is enforced, where it gives none the type alone is.
 *
 * SCF actions: TencentCloud API 3.0, version 2018-04-16. Nested types come from the SCF "Data
 * Types" page, https://www.tencentcloud.com/document/api/583/17244 (Code, ImageConfig,
 * LayerVersionSimple, DeadLetterConfig, AsyncTriggerConfig, RetryConfig, Environment, Variable).
 * Read 2026-12-07.
 */
import { z } from 'zod';

// --- SCF nested types (Data Types page) ---------------------------------------------------------

const Variable = z.strictObject({ Key: z.string().optional(), Value: z.string().optional() });
const Environment = z.strictObject({ Variables: z.array(Variable).optional() });
const LayerVersionSimple = z.strictObject({ LayerName: z.string().min(1), LayerVersion: z.number().int().min(1) });
/** DeadLetterConfig: Type "dead letter queue mode" (CMQ queue or topic), Name, FilterType (topic only). */
const DeadLetterConfig = z.strictObject({ Type: z.string().min(1), Name: z.string().min(1), FilterType: z.string().optional() });
/** ImageConfig: ImageType "personal" or "enterprise" (TCR), ImageUri `{domain}/{namespace}/{name}:{tag}@{digest}`. */
const ImageConfig = z.strictObject({
  ImageType: z.enum(['personal', 'enterprise']),
  ImageUri: z.string().min(1),
  RegistryId: z.string().optional(),
  EntryPoint: z.string().optional(),
  Command: z.string().optional(),
  Args: z.string().optional(),
  ContainerImageAccelerate: z.boolean().optional(),
  /** -1 = job image (no port), 0 = default port; 9000 = the web-server image port. */
  ImagePort: z.number().int().optional(),
});
/** Code: "COS, ZipFile and DemoId cannot be specified at the same time" (CreateFunction page). */
const Code = z
  .strictObject({
    CosBucketName: z.string().optional(),
    CosObjectName: z.string().optional(),
    ZipFile: z.string().optional(),
    CosBucketRegion: z.string().optional(),
    DemoId: z.string().optional(),
    TempCosObjectName: z.string().optional(),
    ImageConfig: ImageConfig.optional(),
  })
  .refine((c) => [c.CosBucketName !== undefined, c.ZipFile !== undefined, c.DemoId !== undefined, c.ImageConfig !== undefined].filter(Boolean).length === 1, {
    message: 'Code takes exactly one of COS (CosBucketName/CosObjectName), ZipFile, DemoId or ImageConfig',
  });
const RetryConfig = z.strictObject({ RetryNum: z.number().int() });
const AsyncTriggerConfig = z.strictObject({ RetryConfig: z.array(RetryConfig).min(1), MsgTTL: z.number().int().min(1) });

// "2 to 60 characters, including English letters, digits, hyphens (-), and underscores (_). The name
// must start with a letter and cannot end with a hyphen or underscore." (CreateFunction page)
const FunctionName = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,58}[A-Za-z0-9]$/, 'function name: 2-60 letters, digits, - and _, starting with a letter, not ending with - or _');
// "64 or 128-3072 MB in increments of 128 MB" (CreateFunction page).
const MemorySize = z.number().int().refine((m) => m === 64 || (m >= 128 && m <= 3072 && m % 128 === 0), 'MemorySize: 64 or 128-3072 in steps of 128');
// "1-900 seconds" for event functions (CreateFunction page: "Value range: 1-900 seconds").
const Timeout = z.number().int().min(1).max(900);
// "It can contain up to 1,000 characters" (CreateFunction page).
const Description = z.string().max(1000);
const Handler = z.string().regex(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_$-]+$/, 'Handler: FILE.HANDLER');

/** https://www.tencentcloud.com/document/api/583/36316 (PublishLayerVersion, updated 2025-10-30). */
export const PublishLayerVersion = z.strictObject({
  // "1-64 English letters, digits, hyphens, and underscores, must begin with a letter, and cannot
  // end with a hyphen or underscore"
  LayerName: z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,62}[A-Za-z0-9]$/),
  CompatibleRuntimes: z.array(z.string().min(1)).min(1),
  Content: Code,
  Description: z.string().optional(),
  LicenseInfo: z.string().optional(),
});

/** https://www.tencentcloud.com/document/api/583/18586 (CreateFunction). */
export const CreateFunction = z.strictObject({
  FunctionName,
  Code,
  Handler: Handler.optional(),
  Description: Description.optional(),
  MemorySize: MemorySize.optional(),
  Timeout: Timeout.optional(),
  Environment: Environment.optional(),
  Runtime: z.string().optional(),
  Namespace: z.string().optional(),
  Role: z.string().optional(),
  InstallDependency: z.enum(['TRUE', 'FALSE']).optional(),
  ClsLogsetId: z.string().optional(),
  ClsTopicId: z.string().optional(),
  // "Function type. The default value is Event. Enter Event if you need to create a trigger
  // function. Enter HTTP if you need to create an HTTP function service."
  Type: z.enum(['Event', 'HTTP']).optional(),
  CodeSource: z.string().optional(),
  Layers: z.array(LayerVersionSimple).optional(),
  DeadLetterConfig: DeadLetterConfig.optional(),
  InitTimeout: z.number().int().optional(),
  AsyncRunEnable: z.enum(['TRUE', 'FALSE']).optional(),
  TraceEnable: z.enum(['TRUE', 'FALSE']).optional(),
  ProtocolType: z.string().optional(),
  DnsCache: z.enum(['TRUE', 'FALSE']).optional(),
});

/** https://www.tencentcloud.com/document/api/583/18581 (UpdateFunctionCode, updated 2023-07-18). */
export const UpdateFunctionCode = z.strictObject({
  FunctionName,
  Handler: Handler.optional(),
  CosBucketName: z.string().optional(),
  CosObjectName: z.string().optional(),
  // "encoded with Base64. Up to 20 MB is supported."
  ZipFile: z.string().optional(),
  Namespace: z.string().optional(),
  CosBucketRegion: z.string().optional(),
  InstallDependency: z.enum(['TRUE', 'FALSE']).optional(),
  EnvId: z.string().optional(),
  Publish: z.enum(['TRUE', 'FALSE']).optional(),
  Code: Code.optional(),
  CodeSource: z.string().optional(),
});

/** https://www.tencentcloud.com/document/api/583/18580 (UpdateFunctionConfiguration). */
export const UpdateFunctionConfiguration = z.strictObject({
  FunctionName,
  Description: Description.optional(),
  MemorySize: MemorySize.optional(),
  Timeout: Timeout.optional(),
  Runtime: z.string().optional(),
  Environment: Environment.optional(),
  Namespace: z.string().optional(),
  Role: z.string().optional(),
  InstallDependency: z.enum(['TRUE', 'FALSE']).optional(),
  ClsLogsetId: z.string().optional(),
  ClsTopicId: z.string().optional(),
  Publish: z.enum(['TRUE', 'FALSE']).optional(),
  Layers: z.array(LayerVersionSimple).optional(),
  DeadLetterConfig: DeadLetterConfig.optional(),
  InitTimeout: z.number().int().optional(),
  DnsCache: z.enum(['TRUE', 'FALSE']).optional(),
  IgnoreSysLog: z.boolean().optional(),
});

/**
 * https://www.tencentcloud.com/document/product/583/18589 (CreateTrigger). Type: "cos, cmq,
 * timer, ckafka, http" ("To create Function URL" use http: https://cloud.tencent.com/document/product/583/100227).
 * TriggerName: timer "up to 100 letters, digits, dashes, and underscores"; COS "an access domain
 * name of the corresponding COS bucket applicable to the XML API (e.g.
 * 5401-5ff414-12345.cos.ap-shanghai.myqcloud.com)". Enable: "OPEN" or "CLOSE".
 */
export const CreateTrigger = z
  .strictObject({
    FunctionName,
    TriggerName: z.string().min(1),
    Type: z.enum(['cos', 'cmq', 'timer', 'ckafka', 'http']),
    TriggerDesc: z.string().optional(),
    Namespace: z.string().optional(),
    Qualifier: z.string().optional(),
    Enable: z.enum(['OPEN', 'CLOSE']).optional(),
    CustomArgument: z.string().optional(),
    Description: z.string().optional(),
  })
  .superRefine((t, ctx) => {
    if (t.Type === 'timer' && !/^[A-Za-z0-9_-]{1,100}$/.test(t.TriggerName)) ctx.addIssue({ code: 'custom', message: 'timer TriggerName: up to 100 letters, digits, - and _' });
    if (t.Type === 'cos' && !/^[a-z0-9-]+-\d+\.cos\.[a-z0-9-]+\.myqcloud\.com$/.test(t.TriggerName)) ctx.addIssue({ code: 'custom', message: 'cos TriggerName: <BucketName-APPID>.cos.<Region>.myqcloud.com' });
    if (t.Type === 'cos') {
      // Trigger Description page: {"event":"cos:ObjectCreated:*","filter":{"Prefix":"","Suffix":""}}
      const desc = CosTriggerDesc.safeParse(JSON.parse(t.TriggerDesc ?? 'null'));
      if (!desc.success) ctx.addIssue({ code: 'custom', message: `cos TriggerDesc: ${desc.error.message}` });
    }
    if (t.Type === 'http') {
      const desc = HttpTriggerDesc.safeParse(JSON.parse(t.TriggerDesc ?? 'null'));
      if (!desc.success) ctx.addIssue({ code: 'custom', message: `http TriggerDesc: ${desc.error.message}` });
    }
  });

const CosTriggerDesc = z.strictObject({
  event: z.string().regex(/^cos:Object[A-Za-z]+:[A-Za-z*]+$/),
  filter: z.strictObject({ Prefix: z.string(), Suffix: z.string() }).optional(),
});
/** Function URL TriggerDesc, https://cloud.tencent.com/document/product/583/100227 (2025-05-08). */
const HttpTriggerDesc = z.strictObject({
  AuthType: z.enum(['CAM', 'NONE']),
  NetConfig: z.strictObject({ EnableIntranet: z.boolean(), EnableExtranet: z.boolean() }),
  CorsConfig: z
    .strictObject({
      Enable: z.boolean(),
      Origins: z.array(z.string()),
      Headers: z.array(z.string()).optional(),
      Methods: z.array(z.string()).optional(),
      ExposeHeaders: z.array(z.string()).optional(),
      MaxAge: z.number().int().optional(),
      Credentials: z.boolean().optional(),
    })
    .optional(),
});

/** https://www.tencentcloud.com/document/api/583/18588 (DeleteTrigger): TriggerDesc "required for COS triggers". */
export const DeleteTrigger = z.strictObject({
  FunctionName,
  TriggerName: z.string().min(1),
  Type: z.enum(['cos', 'cmq', 'timer', 'ckafka', 'apigw', 'http', 'cls']),
  Namespace: z.string().optional(),
  TriggerDesc: z.string().optional(),
  Qualifier: z.string().optional(),
});

/** https://www.tencentcloud.com/document/api/583/39920 (UpdateFunctionEventInvokeConfig, updated 2023-07-18). */
export const UpdateFunctionEventInvokeConfig = z.strictObject({
  AsyncTriggerConfig,
  FunctionName,
  Namespace: z.string().optional(),
});

/**
 * https://www.tencentcloud.com/document/api/583/39224 (PutReservedConcurrencyConfig, updated
 * 2023-07-18): ReservedConcurrencyMem is the function's "reserved memory quota" in MB, i.e.
 * concurrency × memory size.
 */
export const PutReservedConcurrencyConfig = z.strictObject({
  FunctionName,
  ReservedConcurrencyMem: z.number().int().min(0),
  Namespace: z.string().optional(),
});

// --- COS XML API ---------------------------------------------------------------------------------

const BucketName = z.string().regex(/^[a-z0-9-]{1,50}-\d+$/, 'COS bucket: <BucketName-APPID>');

/**
 * https://www.tencentcloud.com/document/api/436/8280 (PUT Bucket lifecycle, updated 2024-03-28):
 * LifecycleConfiguration.Rule[]: ID (≤ 255 chars), Filter (Prefix, Tag, And), Status
 * (Enabled|Disabled), Transition (Days|Date, StorageClass), Expiration (Days|Date,
 * ExpiredObjectDeleteMarker), NoncurrentVersionTransition (NoncurrentDays, StorageClass),
 * NoncurrentVersionExpiration (NoncurrentDays), AbortIncompleteMultipartUpload
 * (DaysAfterInitiation). "Days and Date cannot be both specified in the same lifecycle rule";
 * "Up to 1,000 lifecycle rules". Element names as in the XML body.
 */
const Tag = z.strictObject({ Key: z.string(), Value: z.string() });
const LifecycleRule = z.strictObject({
  ID: z.string().max(255).optional(),
  Filter: z
    .strictObject({ Prefix: z.string().optional(), Tag: Tag.optional(), And: z.strictObject({ Prefix: z.string().optional(), Tag: z.array(Tag).optional() }).optional() })
    .optional(),
  Status: z.enum(['Enabled', 'Disabled']),
  Transition: z.array(z.strictObject({ Days: z.number().int().min(0).optional(), Date: z.string().optional(), StorageClass: z.string() })).optional(),
  Expiration: z.strictObject({ Days: z.number().int().min(1).optional(), Date: z.string().optional(), ExpiredObjectDeleteMarker: z.boolean().optional() }).optional(),
  NoncurrentVersionTransition: z.array(z.strictObject({ NoncurrentDays: z.number().int().min(0), StorageClass: z.string() })).optional(),
  NoncurrentVersionExpiration: z.strictObject({ NoncurrentDays: z.number().int().min(1) }).optional(),
  AbortIncompleteMultipartUpload: z.strictObject({ DaysAfterInitiation: z.number().int().min(1) }).optional(),
});
export const PutBucketLifecycle = z.strictObject({
  Bucket: BucketName,
  LifecycleConfiguration: z.strictObject({ Rule: z.array(LifecycleRule).min(1).max(1000) }),
});

/**
 * https://www.tencentcloud.com/document/product/436/30625 (PUT Bucket inventory):
 * InventoryConfiguration: Id, IsEnabled (true|false), Destination.COSBucketDestination (Format
 * CSV, AccountId, Bucket `qcs::cos:<Region>::<BucketName-APPID>`, Prefix, Encryption), Schedule
 * (Frequency Daily|Weekly), Filter (Prefix), IncludedObjectVersions (All|Current),
 * OptionalFields.Field (Size, LastModifiedDate, ETag, StorageClass, IsMultipartUploaded,
 * ReplicationStatus). The `id` query parameter must equal Id.
 */
export const PutBucketInventory = z
  .strictObject({
    Bucket: BucketName,
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    InventoryConfiguration: z.strictObject({
      Id: z.string(),
      IsEnabled: z.enum(['true', 'false']),
      Destination: z.strictObject({
        COSBucketDestination: z.strictObject({
          Format: z.literal('CSV'),
          AccountId: z.string().optional(),
          Bucket: z.string().regex(/^qcs::cos:[a-z0-9-]+::[a-z0-9-]+-\d+$/),
          Prefix: z.string().optional(),
        }),
      }),
      Schedule: z.strictObject({ Frequency: z.enum(['Daily', 'Weekly']) }),
      Filter: z.strictObject({ Prefix: z.string() }).optional(),
      IncludedObjectVersions: z.enum(['All', 'Current']),
      OptionalFields: z.strictObject({ Field: z.array(z.enum(['Size', 'LastModifiedDate', 'ETag', 'StorageClass', 'IsMultipartUploaded', 'ReplicationStatus'])) }).optional(),
    }),
  })
  .refine((p) => p.id === p.InventoryConfiguration.Id, 'the id query parameter must equal InventoryConfiguration.Id');

/** Every action the deploy plan may contain, by name. */
export const API_SCHEMAS = {
  PublishLayerVersion,
  CreateFunction,
  UpdateFunctionCode,
  UpdateFunctionConfiguration,
  CreateTrigger,
  DeleteTrigger,
  UpdateFunctionEventInvokeConfig,
  PutReservedConcurrencyConfig,
  PutBucketLifecycle,
  PutBucketInventory,
} as const;

export type DeployAction = keyof typeof API_SCHEMAS;
