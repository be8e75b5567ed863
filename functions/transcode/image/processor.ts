import sharp from 'sharp';
import { recipeForKey } from '../../../shared/config/imageRecipes';
import { QuarantineError } from '../../../shared/pipeline/errors';
import type { CardOutput } from '../../../shared/contracts';
import type { ProcessorContext, ProcessorResult } from '../types';
import { processImageBytes } from './core';
import type { ImageLimits } from './types';

// A function processes one different image after another: libvips' operation cache only holds memory.
sharp.cache(false);

/** Time kept back from the platform deadline to roll back and quarantine cleanly. */
const DEADLINE_MARGIN_MS = 5_000;

/**
 * The image processor: adapts the pure engine (core.ts) to a transcode job. Picks the recipe by
 * the source key's prefix, checks the size before reading, processes within the decode limit
 * (and inside the invocation's own deadline), writes each rendition content-addressed and the
 * full record privately, and returns the card's `image` section.
 */
export async function processImage(ctx: ProcessorContext): Promise<ProcessorResult> {
  const { job, config, log } = ctx;
  const configured = config.images.limits;
  if (job.source.size > configured.maxInputBytes) {
    throw new QuarantineError('too-large', `${job.source.size} bytes exceeds the image limit of ${configured.maxInputBytes} bytes`);
  }
  const platformLeft = ctx.deadlineMs - Date.now() - DEADLINE_MARGIN_MS;
  const limits: ImageLimits = { ...configured, decodeTimeoutMs: Math.max(1_000, Math.min(configured.decodeTimeoutMs, platformLeft)) };
  const { name: recipeName, recipe } = recipeForKey(config.images.recipes, job.source.key);

  const bytes = await ctx.readSource();
  const started = Date.now();
  const result = await processImageBytes({ bytes, recipe, recipeName, limits });
  log.info({ recipe: recipeName, renditions: result.renditions.length, ms: Date.now() - started, format: result.card.format }, 'image rendered');

  // Written at once (each one conditional PUT): a job's renditions are independent objects. All
  // settle before an error is thrown, so the rollback sees every key this job wrote.
  const writes = await Promise.allSettled(
    result.renditions.map((r) =>
      ctx.writeOutput({
        name: r.file,
        body: r.body,
        contentType: r.contentType,
        kind: r.kind,
        recipe: r.recipe,
        extra: { format: r.format, width: r.width, height: r.height, ...(r.frames > 1 ? { frames: r.frames } : {}) },
      }),
    ),
  );
  const failed = writes.find((w) => w.status === 'rejected');
  if (failed) throw failed.reason;
  const outputs: CardOutput[] = writes.map((w) => (w as PromiseFulfilledResult<CardOutput>).value);
  await ctx.writeRecord({
    version: 1,
    source: job.source,
    recipe: { name: recipeName, version: recipe.version },
    ...result.record,
    outputs: outputs.map((o) => ({ kind: o.kind, key: o.key, checksum: o.checksum, recipe: o.recipe })),
    processedAt: new Date().toISOString(),
  });
  return { sections: { image: result.card }, outputs };
}
