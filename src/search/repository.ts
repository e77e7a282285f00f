// Execution search across hot and cold storage with one order and one cursor. PostgreSQL holds the query
// language: app_hidden.execution_search_predicate validates a query and compiles it to one condition, which
// filters the hot rows (app_private.search_executions_hot) and the rows decoded from candidate archive files
// (app_private.search_filter_documents) alike; app_private.search_candidate_batches uses each file's
// statistics (bloom filter of content terms, states, workflows, ranges) to name the files worth reading.
// One REPEATABLE READ snapshot covers the hot page and the manifest, so an execution archived meanwhile is
// seen exactly once (hot rows of a batch vanish in the transaction that marks it deleted).
import type pg from "pg";
import { mapDbError } from "../db/errors.ts";
import { withTransaction } from "../db/transaction.ts";
import { ValidationError } from "../errors.ts";
import type { Storage } from "../storage/storage.ts";
import { documentFromRow, readBatchSummaries, type ExecutionSummary } from "../archive/index.ts";
import { decodeCursor, encodeCursor } from "../db/cursor.ts";

/** The search's cursor: the one repository codec, the kind app_hidden.search_cursor writes (SQL and TypeScript cursors are interchangeable). */
const SEARCH_CURSOR = "execution.search";
function searchCursor(cursor: string): { createdAt: string; id: string } {
  const [createdAt, id] = decodeCursor(cursor, SEARCH_CURSOR, ["timestamp", "uuid"]) as [string, string];
  return { createdAt, id };
}

/** A search query document (docs/search.md): every field optional, all given fields must match. */
export interface SearchQuery {
  state?: string | string[];
  workflow_id?: string | string[];
  trigger_type?: string | string[];
  /** Inclusive lower bound of created_at (ISO 8601). */
  created_from?: string;
  /** Exclusive upper bound of created_at (ISO 8601). */
  created_before?: string;
  attempt?: number | { min?: number; max?: number };
  duration_ms?: number | { min?: number; max?: number };
  /** key -> value (equal) or null (the key is present). */
  labels?: Record<string, string | null>;
  input?: ContentFilter;
  output?: ContentFilter;
  error?: ContentFilter;
  /** Case-insensitive substring of the error message. */
  error_text?: string;
}
export interface ContentFilter {
  /** JSON containment (@>). */
  contains?: unknown;
  /** A JSON path that must find an item (@?), e.g. `$.items[*] ? (@.qty > 2)`. */
  exists?: string;
  /** A JSON path predicate that must be true (@@), e.g. `$.order.id == 4711`. */
  matches?: string;
}

export interface SearchOptions {
  /** The `next` cursor of the previous page. */
  after?: string | null;
  /** Page size: default 50, at most 1000 (GraphQL: at most 100). */
  limit?: number;
  /** false: hot rows only. */
  includeCold?: boolean;
  /** When set, the user must be a member (viewer or more) of the team, else the page is empty. */
  userId?: string;
}

export type SearchHit = ExecutionSummary & { labels: Record<string, string>; source: "hot" | "cold" };
export interface SearchPage {
  items: SearchHit[];
  next: string | null;
  /** Cold files of the team overlapping the query's range (after the cursor), and how many of them were read. */
  cold: { batchesInRange: number; candidates: number; batchesRead: number };
}

export interface ExecutionSearchOptions { pool: pg.Pool; storage: Storage | null; encryptionKey: Buffer | null }

export const DEFAULT_SEARCH_LIMIT = 50;
export const MAX_SEARCH_LIMIT = 1000;
/** Files fetched at once while the cold side looks for matches. */
const FILE_CONCURRENCY = 4;

interface CandidateBatch {
  batch_id: string; key: string; sha256: string; encrypted: boolean; max_created_at: string; candidate: boolean;
}

const HOT_COLUMNS = `e.id, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id, e.input, e.output, e.error,
  e.attempt, e.idempotency_key, e.version, (extract(epoch from e.created_at) * 1000000)::bigint as created_at,
  (extract(epoch from e.started_at) * 1000000)::bigint as started_at, (extract(epoch from e.finished_at) * 1000000)::bigint as finished_at,
  e.duration_ms, (extract(epoch from e.updated_at) * 1000000)::bigint as updated_at`;

/** The labels of a page's executions, hot and cold alike, in one statement (the label table's primary key, one probe per id). */
const PAGE_LABELS_SQL = `select l.execution_id as id, jsonb_object_agg(l.key, l.value order by l.key) as labels from app_public.execution_labels l
  where l.team_id = $1 and l.execution_id = any($2::uuid[]) group by 1`;

const summaryOf = (r: Record<string, unknown>): ExecutionSummary => {
  const { transitions: _t, node_runs: _n, ...rest } = documentFromRow(r);
  return rest;
};
/** Newest first: created_at desc, id desc (ISO strings with microseconds and lower-case uuids sort as the database does). */
const newestFirst = (a: ExecutionSummary, b: ExecutionSummary) =>
  a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;

export class ExecutionSearch {
  readonly pool: pg.Pool;
  readonly storage: Storage | null;
  readonly encryptionKey: Buffer | null;
  constructor(opts: ExecutionSearchOptions) {
    this.pool = opts.pool;
    this.storage = opts.storage;
    this.encryptionKey = opts.encryptionKey;
  }

  /** One page of a team's executions matching the query, newest first, across hot and cold storage. */
  async search(teamId: string, query: SearchQuery | Record<string, unknown> = {}, opts: SearchOptions = {}): Promise<SearchPage> {
    const limit = opts.limit ?? DEFAULT_SEARCH_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) {
      throw new ValidationError(`limit must be between 1 and ${MAX_SEARCH_LIMIT}`, { field: "limit" });
    }
    if (!/^[0-9a-f-]{36}$/i.test(teamId)) throw new ValidationError("invalid team id", { field: "team_id" });
    const after = opts.after ? searchCursor(opts.after) : null;
    const includeCold = (opts.includeCold ?? true) && this.storage !== null;
    const cold = { batchesInRange: 0, candidates: 0, batchesRead: 0 };
    try {
      return await withTransaction(this.pool, async (c) => {
        if (opts.userId) {
          const { rows: [m] } = await c.query<{ ok: boolean }>(
            "select set_config('jwt.claims.user_id', $2, true) is not null and app_hidden.has_team_role($1, 'viewer') as ok", [teamId, opts.userId]);
          if (!m?.ok) {
            await c.query("select app_hidden.execution_search_predicate($1::jsonb)", [JSON.stringify(query)]); // malformed is malformed for all
            return { items: [], next: null, cold };
          }
        }
        const q = JSON.stringify(query ?? {});
        const { rows: hotRows } = await c.query(
          `select ${HOT_COLUMNS} from app_private.search_executions_hot($1, $2::jsonb, $3, $4, $5) e`,
          [teamId, q, after?.createdAt ?? null, after?.id ?? null, limit + 1]);
        const hits: SearchHit[] = hotRows.map((r) => ({ ...summaryOf(r), labels: {}, source: "hot" as const }));
        if (includeCold) await this.coldHits(c, teamId, q, after, limit, hits, cold);
        hits.sort(newestFirst);
        const items = hits.slice(0, limit);
        if (items.length) {
          const { rows } = await c.query<{ id: string; labels: Record<string, string> }>(PAGE_LABELS_SQL, [teamId, items.map((h) => h.id)]);
          const labels = new Map(rows.map((r) => [r.id, r.labels]));
          for (const h of items) h.labels = labels.get(h.id) ?? {};
        }
        const last = items[items.length - 1];
        return { items, next: hits.length > limit && last ? encodeCursor(SEARCH_CURSOR, [last.created_at, last.id]) : null, cold };
      }, { isolation: "repeatable read", readOnly: true });
    } catch (e) {
      throw mapDbError(e);
    }
  }

  /** Adds the matches of candidate files to hits, reading files newest first until no file can enter the page. */
  private async coldHits(c: pg.PoolClient, teamId: string, q: string, after: { createdAt: string; id: string } | null, limit: number,
    hits: SearchHit[], cold: SearchPage["cold"]): Promise<void> {
    const { rows: batches } = await c.query<CandidateBatch>(
      "select batch_id, key, sha256, encrypted, app_private.archive_iso(max_created_at) as max_created_at, candidate from app_private.search_candidate_batches($1, $2::jsonb, $3, $4)",
      [teamId, q, after?.createdAt ?? null, after?.id ?? null]);
    cold.batchesInRange = batches.length;
    const todo = batches.filter((b) => b.candidate);
    cold.candidates = todo.length;
    for (let i = 0; i < todo.length;) {
      // a full page whose last row is newer than everything in the next file: done
      if (hits.length > limit) {
        hits.sort(newestFirst);
        hits.length = limit + 1;
        if (todo[i]!.max_created_at < hits[limit]!.created_at) break;
      }
      const group = todo.slice(i, i + FILE_CONCURRENCY);
      i += group.length;
      const files = await Promise.all(group.map((b) =>
        readBatchSummaries(this.storage!, { key: b.key, sha256: b.sha256, encrypted: b.encrypted }, this.encryptionKey)));
      cold.batchesRead += group.length;
      for (const docs of files) {
        const { rows } = await c.query<{ id: string }>(
          "select id from app_private.search_filter_documents($1, $2::jsonb, $3::jsonb, $4, $5)",
          [teamId, q, JSON.stringify(docs.map((d) => ({
            id: d.id, team_id: d.team_id, workflow_id: d.workflow_id, state: d.state, trigger_type: d.trigger_type, attempt: d.attempt,
            duration_ms: d.duration_ms, created_at: d.created_at, input: d.input, output: d.output, error: d.error,
          }))), after?.createdAt ?? null, after?.id ?? null]);
        const byId = new Map(docs.map((d) => [d.id, d]));
        for (const r of rows.slice(0, limit + 1)) {
          hits.push({ ...byId.get(r.id)!, labels: {}, source: "cold" });
        }
      }
    }
  }
}
