/**
 * `npm run deploy -- [--dry-run] [--state FILE] [--image-registry DOMAIN/NAMESPACE] [--stage S]
 * [--config serverless.yml]`: everything `sls deploy` with the Tencent plugin cannot do (layers
 * and their binding, container-image functions, Function URLs, async retry/max age/dead letter,
 * reserved concurrency, COS triggers of image functions, bucket lifecycle and inventory), as a
 * plan of TencentCloud API calls.
 * - `--dry-run`: prints the plan (one JSON document, keys sorted, secrets masked) and changes
 *   nothing. It plans against `--state FILE` (the describe calls' answers as JSON) or, without
 *   it, against an empty account. No credentials are needed.
 * - Otherwise: reads the account (credentials TENCENTCLOUD_SECRETID/SECRETKEY[/SESSIONTOKEN]),
 *   applies only the difference, and, with `--state FILE`, writes what the account holds after
 *   the run. Planning again against that file gives an empty plan.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError, exitCodeFor } from '@strata/core/errors';
import { accountSchema, emptyAccount, stableJson } from './account';
import { readDesired } from './desired';
import { dockerCommands, planDeploy, renderPlan } from './plan';
import { deploy } from './run';
import { cosPort, keysFromEnv, scfPort } from './sdk';

const USAGE = 'usage: npm run deploy -- [--dry-run] [--state FILE] [--image-registry DOMAIN/NAMESPACE] [--image-type personal|enterprise] [--stage STAGE] [--config serverless.yml]\n';

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        'dry-run': { type: 'boolean', default: false },
        state: { type: 'string' },
        'image-registry': { type: 'string' },
        'image-type': { type: 'string', default: 'personal' },
        stage: { type: 'string' },
        config: { type: 'string', default: 'serverless.yml' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`deploy: ${describeError(err)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const imageType = values['image-type'];
  if (imageType !== 'personal' && imageType !== 'enterprise') {
    process.stderr.write(`deploy: --image-type is personal or enterprise\n${USAGE}`);
    return 2;
  }
  const desired = await readDesired({ file: values.config, stage: values.stage, imageRegistry: values['image-registry'] });
  const root = dirname(values.config);
  if (!values['image-registry'] && desired.images.length > 0) process.stderr.write('deploy: no --image-registry: image URIs use the placeholder <registry>/<namespace>\n');
  for (const a of [...desired.layers.map((l) => l.artifact), ...desired.functions.map((f) => f.artifact)]) {
    if (!a.sha256) process.stderr.write(`deploy: ${a.path} is not built (npm run package): the plan names it 'unbuilt'\n`);
  }

  if (values['dry-run']) {
    const account = values.state && existsSync(values.state) ? accountSchema.parse(JSON.parse(readFileSync(values.state, 'utf8'))) : emptyAccount();
    process.stdout.write(renderPlan(planDeploy(desired, account, { imageType }), desired));
    return 0;
  }

  const keys = keysFromEnv(process.env);
  const scf = scfPort(desired.region, keys, process.env.STRATA_SCF_ENDPOINT || undefined);
  const cos = cosPort(desired.region, keys);
  const log = (line: string) => process.stderr.write(`deploy: ${line}\n`);
  const { calls, after } = await deploy(desired, scf, cos, { root, log, imageType });
  for (const line of dockerCommands(calls, desired)) log(`image expected in the registry (pushed before this run): ${line}`);
  if (values.state) writeFileSync(values.state, `${stableJson(after)}\n`);
  process.stdout.write(`${calls.length} call(s) applied${values.state ? `; state written to ${values.state}` : ''}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`deploy: ${describeError(err)}\n`);
    process.exitCode = exitCodeFor(err);
  },
);
