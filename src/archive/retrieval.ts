// Retrieval across hot and cold: get one execution by id, list executions (newest first, keyset pages) with
// one API whether rows are hot or archived, and restore a batch into the hot tables. Every file read checks
// the manifest's sha256. Owner-level service: callers authorise (team membership) before calling.
import { decodeCursor as decodeKeyset, encodeCursor as encodeKeyset } from "../db/cursor.ts";
import type pg from "pg";
import { mapDbError } from "../db/errors.ts";
import { withTransaction } from "../db/transaction.ts";
import { IllegalTransitionError, NotFoundError, ValidationError } from "../errors.ts";
import type { Storage } from "../storage/storage.ts";
import { sweepDeletions } from "./archiver.ts";
import { readVerified } from "./files.ts";
import { documentFromRow, isoFromUtcText, readParquet, readParquetSummaries, type ExecutionDocument, type ExecutionSummary } from "./format.ts";

export type { ExecutionSummary };
export type Source = "hot" | "cold";

export interface ListQuery {
  teamId?: string;
  workflowId?: string;
  state?: string;
  /** Inclusive lower bound of created_at (ISO). */
  from?: string;
  /** Exclusive upper bound of created_at (ISO). */
  to?: string;
  /** Cursor from a previous page. */
  after?: string | null;
  limit?: number;
  /** false: hot rows only (the pre-archive behaviour). */
  includeCold?: boolean;
  /**
   * false: leave input, output and error out (undefined in every item): a list of runs that shows states and
   * times needs none of them, and they are most of a page's bytes and of the client's work (JSON parsing).
   */
  documents?: boolean;
}

export interface ListPage { items: (ExecutionSummary & { source: Source })[]; next: string | null }

export interface ArchiveReaderOptions { pool: pg.Pool; storage: Storage; encryptionKey: Buffer | null }


// Keyset cursors of list(): the repositories' one codec (src/db/cursor.ts).
export function encodeCursor(createdAt: string, id: string): string {
  return encodeKeyset("archive.list", [createdAt, id]);
}
export function decodeCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = decodeKeyset(cursor, "archive.list", ["timestamp", "uuid"]) as [string, string];
  return { createdAt, id };
}

// The columns listExecutions reads from app_private.archive_list_page, in this order (rows come as arrays: pg's
// row objects are built in dictionary mode, and a listing builds thousands of them). Not the sort key created_at:
// parsing it into a Date per row cost more than the statement. Timestamps are text in UTC; bigint is text.
const LIST_COLUMNS = ["id", "batch_id", "row_no", "team_id", "workflow_id", "workflow_version", "state", "trigger_type", "trigger_id",
  "input", "output", "error", "attempt", "idempotency_key", "version", "created_utc", "started_utc", "finished_utc", "duration_ms",
  "updated_utc"] as const;
const LIST_SELECT = LIST_COLUMNS.map((c) => `p.${c}`).join(", ");
// documents: false -- the statement still reads the rows, but the documents are neither sent nor parsed
const LIST_SELECT_NO_DOCUMENTS = LIST_COLUMNS.map((c) => (c === "input" || c === "output" || c === "error" ? "null::jsonb" : `p.${c}`)).join(", ");
type ListRow = unknown[];
type ListItem = ExecutionSummary & { source: Source };

// One object literal per hot row, in the key order of ExecutionSummary (what documentFromRow and the cold path give).
function hotSummary(row: ListRow): ListItem {
  const [id, , , team_id, workflow_id, workflow_version, state, trigger_type, trigger_id, input, output, error, attempt,
    idempotency_key, version, created, started, finished, duration_ms, updated] = row as [string, null, null, string, string, number,
    string, string, string | null, unknown, unknown, unknown, number, string | null, number, string, string | null, string | null,
    string | null, string];
  return {
    id, team_id, workflow_id, workflow_version, state, trigger_type, trigger_id, input, output, error, attempt, idempotency_key, version,
    created_at: isoFromUtcText(created), started_at: started == null ? null : isoFromUtcText(started),
    finished_at: finished == null ? null : isoFromUtcText(finished), duration_ms: duration_ms == null ? null : Number(duration_ms),
    updated_at: isoFromUtcText(updated), source: "hot",
  };
}

export class ArchiveReader {
  readonly pool: pg.Pool;
  readonly storage: Storage;
  readonly encryptionKey: Buffer | null;
  constructor(opts: ArchiveReaderOptions) {
    this.pool = opts.pool;
    this.storage = opts.storage;
    this.encryptionKey = opts.encryptionKey;
  }

  private async q<R extends pg.QueryResultRow = any>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try { return await this.pool.query<R>(text, values); } catch (e) { throw mapDbError(e); }
  }

  private async rowArrays(text: string, values: unknown[]): Promise<unknown[][]> {
    try { return (await this.pool.query<unknown[]>({ text, values, rowMode: "array" })).rows; } catch (e) { throw mapDbError(e); }
  }

  /** An execution with its transitions and node runs, from the hot tables or its archive file. */
  async getExecution(id: string): Promise<ExecutionDocument & { source: Source }> {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new ValidationError("invalid execution id", { field: "id" });
    const hot = await this.q("select * from app_private.execution_documents(array[$1::uuid])", [id]);
    if (hot.rows[0]) return { ...documentFromRow(hot.rows[0]), source: "hot" };
    const { rows: [loc] } = await this.q("select * from app_private.archive_locate($1)", [id]);
    if (!loc) throw new NotFoundError(`execution ${id} not found`);
    if (loc.state !== "deleted") {
      // between a restore/erasure and this read, or an expired file
      throw new NotFoundError(`execution ${id} is not readable (archive batch ${loc.state})`, { detail: `current_state=${loc.state}` });
    }
    const plain = await readVerified(this.storage, { key: loc.key, sha256: loc.sha256, encrypted: loc.encrypted }, this.encryptionKey);
    const [doc] = await readParquet(plain, loc.row_no, loc.row_no + 1);
    if (!doc || doc.id !== id) throw new NotFoundError(`execution ${id} missing from ${loc.key}`);
    return { ...doc, source: "cold" };
  }

  /** One page of executions, newest first (created_at desc, id desc), across hot and cold. */
  async listExecutions(query: ListQuery): Promise<ListPage> {
    const limit = query.limit ?? 50;
    const after = query.after ? decodeCursor(query.after) : null;
    // One statement: hot rows come whole, cold rows as keys (batch, row) read from their files below.
    const documents = query.documents ?? true;
    const keys = await this.rowArrays(
      `select ${documents ? LIST_SELECT : LIST_SELECT_NO_DOCUMENTS}
         from app_private.archive_list_page($1, $2, $3, $4, $5, $6, $7, $8, $9) p
        order by p.created_at desc, p.id desc limit $8`,
      [query.teamId ?? null, query.workflowId ?? null, query.state ?? null, query.from ?? null, query.to ?? null,
        after?.createdAt ?? null, after?.id ?? null, limit, query.includeCold ?? true]);
    const hot = keys.map((k): ListItem | undefined => (k[1] == null ? hotSummary(k) : undefined));
    const withoutDocuments = (item: ListItem): ListItem => {
      item.input = undefined;
      item.output = undefined;
      item.error = undefined;
      return item;
    };
    if (!documents) for (const h of hot) if (h) withoutDocuments(h);
    const cold = new Map<string, ListItem>();

    const byBatch = new Map<string, number[]>();
    for (const [, batchId, rowNo] of keys as [string, string | null, number | null][]) {
      if (batchId) (byBatch.get(batchId) ?? byBatch.set(batchId, []).get(batchId)!).push(rowNo!);
    }
    if (byBatch.size) {
      const { rows: batches } = await this.q<{ id: string; key: string; sha256: string; encrypted: boolean }>(
        "select id, key, sha256, encrypted from app_private.archive_batches where id = any($1::uuid[])", [[...byBatch.keys()]]);
      await Promise.all(batches.map(async (b) => {
        const rowNos = byBatch.get(b.id)!;
        const plain = await readVerified(this.storage, b, this.encryptionKey);
        const start = Math.min(...rowNos);
        const docs = await readParquetSummaries(plain, start, Math.max(...rowNos) + 1);
        for (const n of rowNos) {
          const d = docs[n - start];
          if (d) cold.set(d.id, documents ? { ...d, source: "cold" } : withoutDocuments({ ...d, source: "cold" }));
        }
      }));
    }

    const items = hot.map((h, i) => h ?? cold.get(keys[i]![0] as string)).filter((x): x is ListItem => !!x);
    const last = items[items.length - 1];
    return { items, next: keys.length === limit && last ? encodeCursor(last.created_at, last.id) : null };
  }

  /** Reads a whole batch (verified) into documents. */
  async readBatch(batchId: string): Promise<ExecutionDocument[]> {
    const { rows: [b] } = await this.q("select id, key, sha256, encrypted, state from app_private.archive_batches where id = $1", [batchId]);
    if (!b) throw new NotFoundError(`archive batch ${batchId} not found`);
    if (!["uploaded", "verified", "deleted"].includes(b.state)) {
      throw new IllegalTransitionError(`archive batch ${batchId} has no readable file (${b.state})`, { currentState: b.state });
    }
    return readParquet(await readVerified(this.storage, b, this.encryptionKey));
  }

  /** Restores a deleted batch into the hot tables (kept hot for keepDays), then deletes its file. */
  async restoreBatch(batchId: string, keepDays = 7): Promise<number> {
    const { rows: [b] } = await this.q("select state from app_private.archive_batches where id = $1", [batchId]);
    if (!b) throw new NotFoundError(`archive batch ${batchId} not found`);
    if (b.state !== "deleted") throw new IllegalTransitionError(`archive batch ${batchId} is ${b.state}`, { currentState: b.state });
    const docs = await this.readBatch(batchId);
    const n = await withTransaction(this.pool, async (c) => {
      const { rows: [r] } = await c.query("select app_private.archive_restore_batch($1, $2::jsonb, $3) as n", [batchId, JSON.stringify(docs), keepDays]);
      return r.n as number;
    });
    const c = await this.pool.connect();
    try { await sweepDeletions(c, this.storage); } finally { c.release(); }
    return n;
  }
}
