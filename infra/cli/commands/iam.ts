/**
 * `strata iam policy`: prints the least-privilege CAM policy JSON for the role the functions
 * run as (infra/iam/policy.ts): the COS actions of the S3 calls the code makes, on Strata's
 * buckets, and scf:InvokeFunction on the functions it hands work to. Service, stage, region and
 * APPID come from serverless.yml; buckets from the settings (STRATA_UPLOAD_BUCKET…);
 * TENCENTCLOUD_UIN names the account (else `*`).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadStackConfig } from '../../local/settings';
import { loadStackSpec } from '../../local/emulator/serverless';
import { buildPolicy, findCallSites } from '../../iam/policy';
import { UsageError, type CliIo } from '../io';

const USAGE = 'usage: strata iam policy';
const REPO = fileURLToPath(new URL('../../..', import.meta.url));

export async function run(args: string[], io: CliIo): Promise<number> {
  if (args[0] === '--help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.length !== 1 || args[0] !== 'policy') throw new UsageError(USAGE);
  const config = loadStackConfig(io.env);
  const spec = await loadStackSpec({ file: resolve(config.emulator.serverlessFile), env: io.env });
  const policy = buildPolicy(findCallSites(REPO), {
    service: spec.service,
    stage: spec.stage,
    region: spec.region,
    appid: spec.appid,
    uin: io.env.TENCENTCLOUD_UIN || '*',
    namespace: 'default',
    buckets: [config.buckets.upload, config.buckets.derived, ...config.buckets.protect],
  });
  io.stdout.write(`${JSON.stringify(policy, null, 2)}\n`);
  return 0;
}
