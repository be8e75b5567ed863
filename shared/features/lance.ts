/**
 * LanceDB on the same object storage as everything else (`s3://<derived>/index/lancedb`): the
 * default VectorIndex. An IVF_HNSW_SQ index with cosine distance answers searches once the table
 * is big enough to be worth indexing (below it LanceDB's flat scan answers, exact).
 *
 * Reading from object storage, the cost of a search is its requests, not its arithmetic. A warm
 * reader keeps the index partitions in LanceDB's session cache (loaded on first use), searches
 * with a wide HNSW candidate list (`ef`) instead of re-ranking with full vectors (`refineFactor`
 * reads every candidate's vector from the store: ~50 ranged GETs a query), and maps the returned
 * row ids to asset ids through an in-memory table loaded once per table version. A warm search
 * then makes no request at all; the reader looks for a newer version every `refreshMs`.
 *
 * One writer per table: a LanceDB commit is a conditional PUT (`If-None-Match: *`) of the next
 * manifest. The local S3 server honours it; COS's S3 API does not promise it, so production runs
 * exactly one writer (the `index-writer` function, concurrency 1) and readers only read.
 */
import type * as lancedb from '@lancedb/lancedb';
import type { Schema } from 'apache-arrow';
import { ExactInt8Index } from './exactInt8';
import { DEFAULT_EF } from './settings';
import { matchesFilter, type IndexRow, type SearchFilter, type SearchHit, type VectorIndex } from './vectorIndex';

export const TABLE = 'features';

/**
 * LanceDB and Arrow, loaded when a table is first opened (~0.5 s of CPU): a process that imports
 * this module and never opens a table (the index writer's idle timer runs) does not pay for them.
 */
let modules: Promise<{ lancedb: typeof lancedb; arrow: typeof import('apache-arrow') }> | undefined;
function loadModules() {
  return (modules ??= Promise.all([import('@lancedb/lancedb'), import('apache-arrow')]).then(([lancedb, arrow]) => ({ lancedb, arrow })));
}

export interface LanceOptions {
  /** `s3://bucket/path` (or a local directory in tests and benches). */
  readonly uri: string;
  readonly dim: number;
  readonly storageOptions?: Record<string, string>;
  /** Re-rank refineFactor × k candidates with their full vectors (reads them from the store; off by default). */
  readonly refineFactor?: number;
  /** HNSW candidate list per partition searched (recall against time); default DEFAULT_EF. */
  readonly ef?: number;
  /** Readers: how often to look for newer table versions (ms); unset = never (the writer's own handle). */
  readonly refreshMs?: number;
  /**
   * Readers: while the table has no ANN index and at most this many rows, searches run on an
   * in-memory exact int8 copy (read once per table version) instead of LanceDB's flat scan, which
   * reads every vector from the store on every query. 0 (default) = never.
   */
  readonly exactBelow?: number;
}


interface RowRef {
  readonly id: string;
  readonly kind: IndexRow['kind'];
}

export interface S3Access {
  readonly endpoint: string | undefined;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** object_store's S3 settings for our store (path-style, plain HTTP allowed for the local server). */
export function lanceStorageOptions(s3: S3Access): Record<string, string> {
  return {
    aws_access_key_id: s3.accessKeyId,
    aws_secret_access_key: s3.secretAccessKey,
    ...(s3.sessionToken ? { aws_session_token: s3.sessionToken } : {}),
    aws_region: s3.region,
    ...(s3.endpoint ? { aws_endpoint: s3.endpoint, aws_virtual_hosted_style_request: 'false' } : {}),
    ...(s3.endpoint?.startsWith('http://') ? { allow_http: 'true' } : {}),
  };
}

export async function schemaFor(dim: number): Promise<Schema> {
  const { Field, FixedSizeList, Float32, Schema, Utf8 } = (await loadModules()).arrow;
  return new Schema([
    new Field('id', new Utf8(), false),
    new Field('vector', new FixedSizeList(dim, new Field('item', new Float32(), true)), false),
    new Field('sha256', new Utf8(), false),
    new Field('phash', new Utf8(), true),
    new Field('kind', new Utf8(), false),
  ]);
}

function sqlString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

function whereOf(filter: SearchFilter | undefined): string | undefined {
  const parts: string[] = [];
  if (filter?.kind) parts.push(`kind = ${sqlString(filter.kind)}`);
  if (filter?.excludeId !== undefined) parts.push(`id != ${sqlString(filter.excludeId)}`);
  if (filter?.idPrefix) parts.push(`starts_with(id, ${sqlString(filter.idPrefix)})`);
  return parts.length ? parts.join(' AND ') : undefined;
}

export class LanceIndex implements VectorIndex {
  /** Row id → asset, for the table version it was read at. */
  private rowMap: { version: number; rows: Map<bigint, RowRef> } | undefined;
  /** The small-table copy for the version it was read at (null: the table is indexed or too big). */
  private small: { version: number; exact: ExactInt8Index | null } | undefined;
  private lastCheck = Date.now();
  /** Operations run one at a time: a refresh never moves the version under a running search. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly conn: lancedb.Connection,
    private table: lancedb.Table,
    private readonly options: LanceOptions,
  ) {}

  /** Opens the table, creating it empty when it does not exist yet. */
  static async open(options: LanceOptions): Promise<LanceIndex> {
    // No readConsistencyInterval: the reader checks out the latest version itself (fresh()), so
    // the version its row-id table belongs to cannot change in the middle of a search.
    const conn = await (await loadModules()).lancedb.connect(options.uri, options.storageOptions ? { storageOptions: options.storageOptions } : {});
    let table: lancedb.Table;
    try {
      table = await conn.openTable(TABLE);
    } catch {
      try {
        table = await conn.createEmptyTable(TABLE, await schemaFor(options.dim), { mode: 'create', existOk: true });
      } catch {
        table = await conn.openTable(TABLE); // another process created it first
      }
    }
    return new LanceIndex(conn, table, options);
  }

  private rowsOf(rows: readonly IndexRow[]): Record<string, unknown>[] {
    return rows.map((r) => ({ id: r.id, vector: Array.from(r.vector), sha256: r.sha256, phash: r.phash, kind: r.kind }));
  }

  /** Runs `fn` after every operation started before it (see `queue`). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Readers: checks out the newest committed version at most every `refreshMs`. */
  private async fresh(): Promise<void> {
    const every = this.options.refreshMs;
    if (every === undefined || Date.now() - this.lastCheck < every) return;
    await this.table.checkoutLatest();
    this.lastCheck = Date.now();
  }

  /**
   * A reader's operation on the newest version (see fresh()). The writer drops versions older
   * than a minute: a reader that still had one checked out finds its files gone, so a failure is
   * retried once on the latest version.
   */
  private read<T>(fn: () => Promise<T>): Promise<T> {
    return this.serial(async () => {
      await this.fresh();
      try {
        return await fn();
      } catch (err) {
        if (this.options.refreshMs === undefined) throw err;
        await this.table.checkoutLatest();
        this.lastCheck = Date.now();
        return fn();
      }
    });
  }

  /** Appends rows (the writer's batch path; ids are assumed new or deleted first). */
  async add(rows: readonly IndexRow[]): Promise<void> {
    if (rows.length) await this.serial(() => this.table.add(this.rowsOf(rows)));
  }

  async upsert(rows: readonly IndexRow[]): Promise<void> {
    if (!rows.length) return;
    await this.serial(() => this.table.mergeInsert('id').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(this.rowsOf(rows)));
  }

  async delete(ids: readonly string[]): Promise<void> {
    await this.serial(async () => {
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        if (chunk.length) await this.table.delete(`id IN (${chunk.map(sqlString).join(', ')})`);
      }
    });
  }

  private vectorQuery(vector: ArrayLike<number>, limit: number): lancedb.VectorQuery {
    let q = this.table.vectorSearch(Array.from(vector)).distanceType('cosine').limit(limit).ef(Math.max(this.options.ef ?? DEFAULT_EF, limit));
    if (this.options.refineFactor) q = q.refineFactor(this.options.refineFactor);
    return q;
  }

  async search(vector: ArrayLike<number>, k: number, filter?: SearchFilter): Promise<SearchHit[]> {
    return this.read(async () => {
      const small = await this.smallCopy();
      if (small) return small.searchSync(vector, k, filter);
      // A prefix or kind filter is evaluated by LanceDB before the search (it reads those columns).
      if (filter?.idPrefix || filter?.kind) {
        const rows = (await this.vectorQuery(vector, k).where(whereOf(filter)!).select(['id', 'kind', '_distance']).toArray()) as { id: string; kind: IndexRow['kind']; _distance: number }[];
        return rows.filter((r) => matchesFilter(r, filter)).map((r) => ({ id: r.id, score: 1 - r._distance }));
      }
      const rows = await this.rowRefs();
      const limit = k + (filter?.excludeId === undefined ? 0 : 1);
      const found = await this.vectorQuery(vector, limit).select(['_distance']).withRowId().toArrow();
      const rowIds = found.getChild('_rowid')!.toArray() as BigUint64Array;
      const distances = found.getChild('_distance')!.toArray() as Float32Array;
      const hits: SearchHit[] = [];
      for (let i = 0; i < rowIds.length && hits.length < k; i++) {
        const ref = rows.get(rowIds[i]!);
        if (ref && ref.id !== filter?.excludeId) hits.push({ id: ref.id, score: 1 - distances[i]! });
      }
      return hits;
    });
  }

  /** The exact int8 copy of a small unindexed table (see `exactBelow`), read once per version. */
  private async smallCopy(): Promise<ExactInt8Index | null> {
    if (!this.options.exactBelow) return null;
    const version = await this.table.version();
    if (this.small?.version === version) return this.small.exact;
    let exact: ExactInt8Index | null = null;
    const indexed = (await this.table.listIndices()).some((i) => i.columns.includes('vector'));
    if (!indexed && (await this.table.countRows()) <= this.options.exactBelow) {
      const rows = (await this.table.query().select(['id', 'vector', 'sha256', 'phash', 'kind']).toArray()) as IndexRow[];
      exact = new ExactInt8Index(this.options.dim, Math.max(1, rows.length));
      exact.upsertSync(rows.map((r) => ({ ...r, vector: Float32Array.from(r.vector) })));
    }
    this.small = { version, exact };
    return exact;
  }

  /** The row id → asset table of the checked-out version (read once per version: one column scan). */
  private async rowRefs(): Promise<Map<bigint, RowRef>> {
    const version = await this.table.version();
    if (this.rowMap?.version === version) return this.rowMap.rows;
    const t = await this.table.query().select(['id', 'kind']).withRowId().toArrow();
    const rowIds = t.getChild('_rowid')!.toArray() as BigUint64Array;
    const ids = t.getChild('id')!;
    const kinds = t.getChild('kind')!;
    const rows = new Map<bigint, RowRef>();
    for (let i = 0; i < rowIds.length; i++) rows.set(rowIds[i]!, { id: ids.get(i) as string, kind: kinds.get(i) as IndexRow['kind'] });
    this.rowMap = { version, rows };
    return rows;
  }

  async get(id: string): Promise<IndexRow | null> {
    return this.read(async () => {
      const rows = (await this.table.query().where(`id = ${sqlString(id)}`).limit(1).toArray()) as { id: string; vector: ArrayLike<number>; sha256: string; phash: string | null; kind: IndexRow['kind'] }[];
      const r = rows[0];
      return r ? { id: r.id, vector: Array.from(r.vector), sha256: r.sha256, phash: r.phash, kind: r.kind } : null;
    });
  }

  async count(): Promise<number> {
    return this.read(async () => {
      return this.table.countRows();
    });
  }

  /** Every row's id, sha256, phash and kind (for duplicate grouping), with vectors. */
  async scan(filter?: SearchFilter): Promise<IndexRow[]> {
    return this.read(async () => {
      let q = this.table.query();
      const where = whereOf(filter);
      if (where) q = q.where(where);
      const rows = (await q.toArray()) as { id: string; vector: ArrayLike<number>; sha256: string; phash: string | null; kind: IndexRow['kind'] }[];
      return rows.map((r) => ({ id: r.id, vector: Float32Array.from(r.vector), sha256: r.sha256, phash: r.phash, kind: r.kind }));
    });
  }

  /** Builds the IVF_HNSW_SQ cosine index (writer only; once the table has enough rows). */
  async createAnnIndex(numPartitions?: number): Promise<void> {
    const rows = await this.count();
    const { Index } = (await loadModules()).lancedb;
    await this.serial(() => this.table.createIndex('vector', {
      config: Index.hnswSq({ distanceType: 'cosine', numPartitions: numPartitions ?? Math.max(1, Math.round(Math.sqrt(rows) / 4)) }),
      replace: true,
    }));
  }

  async hasAnnIndex(): Promise<boolean> {
    return (await this.table.listIndices()).some((i) => i.columns.includes('vector'));
  }

  /** Compacts files, folds new rows into the index, and drops old versions (writer only). */
  async optimize(): Promise<void> {
    await this.serial(() => this.table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) }));
  }

  /** Readers: see the newest committed version now. */
  async refresh(): Promise<void> {
    await this.serial(async () => {
      await this.table.checkoutLatest();
      this.lastCheck = Date.now();
    });
  }

  close(): void {
    this.table.close();
    this.conn.close();
  }
}
