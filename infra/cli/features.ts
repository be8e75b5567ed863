import { loadFeatureSettings, type FeatureSettings } from '../../shared/features/settings';
import { openLanceIndex } from '../../shared/features/store';
import type { LanceIndex } from '../../shared/features/lance';
import { cliEndpoint, createCliContext, type CliContext } from './context';

/** CLI context plus the feature store (a reader: it never writes the table). */
export async function openFeatureStore(env: NodeJS.ProcessEnv): Promise<CliContext & { settings: FeatureSettings; index: LanceIndex }> {
  const ctx = createCliContext(env);
  const settings = loadFeatureSettings(env);
  const index = await openLanceIndex(ctx.config, settings, cliEndpoint(ctx.config));
  return { ...ctx, settings, index };
}
