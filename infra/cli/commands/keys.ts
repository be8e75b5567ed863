import { AuditLog } from '../../../shared/api/audit';
import { createKey, listKeys, parseScopes, revokeKey } from '../../../shared/api/keys';
import { parseCliArgs } from '../args';
import { createCliContext } from '../context';
import { UsageError, type CliIo } from '../io';

const USAGE = 'usage: strata keys create --scope read|upload|admin [--json] | strata keys list [--json] | strata keys revoke ID';

/**
 * `strata keys`: API keys of the HTTP API, stored hashed in the derived bucket. `create` prints
 * the key once (`--json`: `{"id","key","scopes"}`); `list` shows ids, scopes and times, never a
 * key; `revoke ID` makes the key fail with 401 from the next request on. Each change is audited.
 */
export async function run(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseCliArgs(
    { args: rest, options: { scope: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', default: false } }, allowPositionals: true },
    USAGE,
  );
  if (values.help || sub === '--help') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') throw new UsageError(USAGE);
  if (sub === 'create' && (positionals.length || !values.scope)) throw new UsageError(`keys create needs --scope (${USAGE})`);
  if (sub === 'list' && positionals.length) throw new UsageError(USAGE);
  if (sub === 'revoke' && positionals.length !== 1) throw new UsageError(`keys revoke needs one key ID (${USAGE})`);
  const scopes = sub === 'create' ? parseScopesOrUsage(values.scope!) : [];
  const { gateway, config } = createCliContext(io.env);
  const bucket = config.buckets.derived;
  const audit = new AuditLog(gateway, bucket);
  const record = async (action: string, target: string) => {
    audit.append({ time: new Date().toISOString(), keyId: null, action, target, result: 'ok', sourceIp: 'cli' });
    await audit.flush();
  };
  if (sub === 'create') {
    const created = await createKey(gateway, bucket, scopes);
    await record('cli keys create', created.id);
    io.stdout.write(values.json ? `${JSON.stringify(created)}\n` : `id      ${created.id}\nscopes  ${created.scopes.join(',')}\nkey     ${created.key}\n(the key is shown only now; store it safely)\n`);
    return 0;
  }
  if (sub === 'list') {
    const keys = await listKeys(gateway, bucket);
    if (values.json) io.stdout.write(`${JSON.stringify({ keys })}\n`);
    else for (const k of keys) io.stdout.write(`${k.id}  ${k.scopes.join(',').padEnd(18)} created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}\n`);
    return 0;
  }
  const revoked = await revokeKey(gateway, bucket, positionals[0]!);
  await record('cli keys revoke', revoked.id);
  io.stdout.write(values.json ? `${JSON.stringify(revoked)}\n` : `revoked ${revoked.id}\n`);
  return 0;
}

function parseScopesOrUsage(text: string) {
  try {
    return parseScopes(text);
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (${USAGE})`);
  }
}
