// Archival in large batches: a group of many batches moves with a fixed number of statements (one per step), and
// the set-based steps are all or nothing.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runArchive, type ArchiverSettings } from "../../src/archive/archiver.ts";
import { FileSystemStorage } from "../../src/storage/fs.ts";
import { useTestDatabase } from "../harness/db.ts";
import { seedExecutions } from "./seed.ts";

const db = useTestDatabase();
let dir: string;
let storage: FileSystemStorage;
const settings: ArchiverSettings = { hotDays: 30, coldDays: 365, batchSize: 8, groupRows: 1000, rowGroupSize: 4, zstdLevel: 3, encryptionKey: null };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "lf-archive-batching-"));
  storage = new FileSystemStorage(dir);
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

/** The client, with each query it is sent passed through `around` (which runs it). */
function watched(client: pg.PoolClient, around: (text: string, run: () => Promise<unknown>) => Promise<unknown>): pg.PoolClient {
  return new Proxy(client, {
    get(target, prop) {
      if (prop === "query") return (text: string, values?: unknown[]) => around(text, () => target.query(text, values));
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as pg.PoolClient;
}

/** Runs the archiver on a connection that records every statement it is sent. */
async function runCounting(opts: { teamId: string; settings: ArchiverSettings }): Promise<{ statements: string[]; batches: number }> {
  const client = await db.pool.connect();
  const statements: string[] = [];
  const counting = watched(client, (text, run) => { statements.push(text); return run(); });
  try {
    const r = await runArchive({ client: counting, storage, settings: opts.settings, teamId: opts.teamId });
    return { statements, batches: r.planned };
  } finally {
    client.release();
  }
}

describe("archive: batches of many executions per statement", { timeout: 180_000 }, () => {
  it("moves a group of any number of batches with the same statements: one per step, not one per batch", async () => {
    const a = await seedExecutions(db.pool, { daysAgo: [61], perDay: 40 });
    const b = await seedExecutions(db.pool, { daysAgo: [60], perDay: 40 });
    // a running execution on each day keeps its partition (hot rows are deleted by statement, not by a drop)
    await seedExecutions(db.pool, { daysAgo: [60, 61], perDay: 1, state: "running" });
    // a first run drops the empty partitions older than the seeded days, so both measured runs see the same layout
    await runCounting({ teamId: "00000000-0000-0000-0000-000000000000", settings });
    const many = await runCounting({ teamId: a.teamId, settings: { ...settings, batchSize: 4 } });
    const few = await runCounting({ teamId: b.teamId, settings: { ...settings, batchSize: 20 } });
    expect(many.batches).toBe(10);
    expect(few.batches).toBe(2);
    expect(many.statements).toEqual(few.statements);
    expect(many.statements.filter((s) => s.includes("archive_plan_batches"))).toHaveLength(2); // the group, then none left
    expect(many.statements.filter((s) => s.includes("archive_batch_documents"))).toHaveLength(1);
    expect(many.statements.filter((s) => s.includes("archive_delete_batches"))).toHaveLength(1);
    const { rows: [c] } = await db.pool.query(`
      select count(*) filter (where e.team_id = $1)::int as hot_a, count(*) filter (where e.team_id = $2)::int as hot_b
        from app_public.executions e where e.team_id in ($1, $2)`, [a.teamId, b.teamId]);
    expect(c).toEqual({ hot_a: 0, hot_b: 0 });
    const { rows: ev } = await db.pool.query(
      "select type, count(*)::int n from app_public.events where stream_id = $1 group by 1 order by 1", [`archive-${a.teamId}`]);
    expect(ev).toEqual([
      { type: "ArchiveBatchDeleted", n: 10 }, { type: "ArchiveBatchPlanned", n: 10 }, { type: "ArchiveBatchUploaded", n: 10 }, { type: "ArchiveBatchVerified", n: 10 },
    ]);
  });

  it("plans a group as whole batches per team and day, oldest first, until the group holds group_rows executions", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [70, 71], perDay: 20 });
    const c = await db.pool.connect();
    try {
      await c.query("begin");
      const { rows } = await c.query(
        "select day::text, row_count, execution_ids::text[] as ids from app_private.archive_plan_batches(8, 20, 30, 'executions', false, $1)", [t.teamId]);
      // day 71: 8 + 8 (16 < 20: one more batch), then its last 4: the group holds 20
      const day71 = new Date(Date.now() - 71 * 86400_000).toISOString().slice(0, 10);
      expect(rows.map((r) => [r.day, r.row_count])).toEqual([[day71, 8], [day71, 8], [day71, 4]]);
      // each batch's ids in row order: newest first; the first batch holds the oldest executions of the day
      const { rows: order } = await c.query(`
        select a.batch_id, array_agg(a.execution_id::text order by a.row_no) as ids, min(a.created_at) lo, max(a.created_at) hi
          from app_private.archived_executions a join app_private.archive_batches b on b.id = a.batch_id
         where b.team_id = $1 group by a.batch_id order by min(a.created_at)`, [t.teamId]);
      expect(order.map((o) => o.ids)).toEqual(rows.map((r) => r.ids));
      expect(order[0].hi.getTime()).toBeLessThan(order[1].lo.getTime());
      const { rows: [s] } = await c.query(
        "select count(*)::int n from app_private.archive_batch_search_stats where team_id = $1", [t.teamId]);
      expect(s.n).toBe(3);
      await c.query("rollback");
    } finally {
      c.release();
    }
  });

  it("marks a group verified all or nothing: one batch whose read-back differs refuses the whole group with LFVAL", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [75], perDay: 16 });
    const c = await db.pool.connect();
    try {
      await c.query("begin");
      const { rows } = await c.query("select batch_id, row_count from app_private.archive_plan_batches(8, 100, 30, 'executions', false, $1)", [t.teamId]);
      expect(rows).toHaveLength(2);
      const sha = "a".repeat(64);
      await c.query("select app_private.archive_mark_batches_uploaded($1::jsonb)", [JSON.stringify(rows.map((r) => ({
        batch_id: r.batch_id, bytes: 10, sha256: sha, pg_bytes: 100, transition_count: 32, node_run_count: 24, actor_ids: [] })))]);
      await c.query("savepoint s");
      await expect(c.query("select app_private.archive_mark_batches_verified($1::jsonb)", [JSON.stringify([
        { batch_id: rows[0].batch_id, row_count: 8, sha256: sha }, { batch_id: rows[1].batch_id, row_count: 7, sha256: sha }])]))
        .rejects.toMatchObject({ code: "LFVAL" });
      await c.query("rollback to savepoint s");
      const { rows: states } = await c.query("select distinct state from app_private.archive_batches where team_id = $1", [t.teamId]);
      expect(states).toEqual([{ state: "uploaded" }]);
      await c.query("rollback");
    } finally {
      c.release();
    }
  });

  it("reads the groups on the second connection and never drops a partition during a plan or read", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [90, 91, 92, 93], perDay: 16 });
    type Span = { on: "main" | "read"; sql: string; start: number; end: number };
    const spans: Span[] = [];
    const timedClient = (client: pg.PoolClient, on: Span["on"]) => watched(client, async (sql, run) => {
      const span: Span = { on, sql, start: performance.now(), end: Infinity };
      spans.push(span);
      try { return await run(); } finally { span.end = performance.now(); }
    });
    const main = await db.pool.connect();
    const reader = await db.pool.connect();
    try {
      const r = await runArchive({
        client: timedClient(main, "main"), readClient: timedClient(reader, "read"), storage, teamId: t.teamId,
        settings: { ...settings, batchSize: 8, groupRows: 8 },
      });
      expect(r.planned).toBe(8);
      expect(r.groups).toBe(8);
      const day = (n: number) => new Date(Date.now() - n * 86400_000).toISOString().slice(0, 10);
      expect(r.droppedPartitions).toEqual(expect.arrayContaining([day(90), day(91), day(92), day(93)]));
    } finally {
      reader.release();
      main.release();
    }
    const reads = spans.filter((s) => s.sql.includes("archive_batch_documents"));
    const plans = spans.filter((s) => s.sql.includes("archive_plan_batches"));
    const drops = spans.filter((s) => s.sql.includes("archive_drop_partitions"));
    expect(reads).toHaveLength(8);
    expect(reads.every((s) => s.on === "read")).toBe(true);
    expect(spans.filter((s) => s.on === "read").every((s) => s.sql.includes("archive_batch_documents"))).toBe(true);
    expect(plans.every((s) => s.on === "main")).toBe(true);
    expect(drops.length).toBeGreaterThanOrEqual(4);
    const overlaps = (a: Span, b: Span) => a.start < b.end && b.start < a.end;
    for (const d of drops) expect([...reads, ...plans].filter((x) => overlaps(x, d))).toEqual([]);
    // every day was dropped during the run (the days' partitions went as soon as they were archived)
    const { rows: [c] } = await db.pool.query("select count(*)::int n from app_public.executions where team_id = $1", [t.teamId]);
    expect(c.n).toBe(0);
  });

  it("writes the nested timestamps of a batch's documents in archive_iso's text form, for every fraction length", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [95], perDay: 1, nodeRuns: 7 });
    // node runs started at 0..6 fraction digits (and a fraction that ends in zeros), under a DateStyle that is not ISO
    await db.pool.query(`
      update app_public.execution_node_runs r
         set started_at = date_trunc('second', r.execution_created_at) + (array[0, 0.5, 0.25, 0.125, 0.0625, 0.03125, 0.000001])[x.i] * interval '1 second',
             finished_at = date_trunc('second', r.execution_created_at) + interval '1 second' + (array[0.999999, 0.1, 0.12, 0.123, 0.1234, 0.12345, 0.123456])[x.i] * interval '1 second'
        from (select execution_id, node_name, row_number() over (order by node_name)::int as i from app_public.execution_node_runs where team_id = $1) x
       where r.team_id = $1 and r.execution_id = x.execution_id and r.node_name = x.node_name`, [t.teamId]);
    const c = await db.pool.connect();
    try {
      await c.query("begin");
      await c.query("set local datestyle = 'German, DMY'");
      const { rows: planned } = await c.query("select batch_id from app_private.archive_plan_batches(8, 100, 30, 'executions', false, $1)", [t.teamId]);
      const { rows: [doc] } = await c.query("select transitions, node_runs from app_private.archive_batch_documents($1::uuid[])", [planned.map((r) => r.batch_id)]);
      const { rows: hot } = await c.query(`
        select app_private.archive_iso(started_at) s, app_private.archive_iso(finished_at) f from app_public.execution_node_runs where team_id = $1 order by node_name, attempt`, [t.teamId]);
      const { rows: hotT } = await c.query("select app_private.archive_iso(at) a from app_public.execution_transitions where team_id = $1 order by seq", [t.teamId]);
      expect(doc.node_runs.map((r: { started_at: string; finished_at: string }) => ({ s: r.started_at, f: r.finished_at }))).toEqual(hot);
      expect(doc.transitions.map((x: { at: string }) => ({ a: x.at }))).toEqual(hotT);
      expect(hot.map((h) => h.s.slice(-8))).toEqual([".000000Z", ".500000Z", ".250000Z", ".125000Z", ".062500Z", ".031250Z", ".000001Z"]);
      await c.query("rollback");
    } finally {
      c.release();
    }
  });
});
