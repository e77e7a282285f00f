import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runArchiveWithPool, type ArchiverSettings } from "../../src/archive/archiver.ts";
import { ArchiveReader, type ListQuery } from "../../src/archive/retrieval.ts";
import { FileSystemStorage } from "../../src/storage/fs.ts";
import { useTestDatabase } from "../harness/db.ts";
import { runJobsOnce } from "../harness/jobs.ts";
import { seedExecutions, type Seeded } from "./seed.ts";

const db = useTestDatabase();
let dir: string;
let storage: FileSystemStorage;
let reader: ArchiveReader;
const settings: ArchiverSettings = { hotDays: 30, coldDays: 365, batchSize: 25, rowGroupSize: 10, zstdLevel: 9, encryptionKey: null };
const run = (extra: Partial<Parameters<typeof runArchiveWithPool>[1]> = {}) => runArchiveWithPool(db.pool, { storage, settings, ...extra });

async function listAll(q: ListQuery, limit = 7) {
  const out = [];
  let after: string | null = null;
  do {
    const page = await reader.listExecutions({ ...q, limit, after });
    out.push(...page.items.map(({ source: _s, ...rest }) => rest));
    after = page.next;
  } while (after);
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "lf-archive-"));
  storage = new FileSystemStorage(dir);
  reader = new ArchiveReader({ pool: db.pool, storage, encryptionKey: null });
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe("archive: the archiver", { timeout: 120_000 }, () => {
  let a: Seeded;
  let before: { team: unknown[]; wf: unknown[]; failed: unknown[]; month: unknown[] };
  let docBefore: unknown;
  let someId: string;

  it("archives old terminal executions in batches: file, read-back verification, manifest, index, then hot rows removed", async () => {
    // days 40 and 41 hold only this team's archivable rows; day 45 also has a running (non-terminal) execution;
    // day 5 is recent (inside the hot retention)
    a = await seedExecutions(db.pool, { daysAgo: [40, 41, 45, 5], perDay: 30, actorId: null });
    const { rows: [running] } = await db.pool.query(`
      insert into app_public.executions (team_id, workflow_id, workflow_version, state, created_at)
      values ($1, $2, 1, 'running', date_trunc('day', now()) - interval '45 days' + interval '12 hours') returning id`, [a.teamId, a.workflowIds[0]]);
    const monthFrom = new Date(Date.now() - 50 * 86400_000).toISOString();
    const monthTo = new Date(Date.now() - 20 * 86400_000).toISOString();
    before = {
      team: await listAll({ teamId: a.teamId }),
      wf: await listAll({ workflowId: a.workflowIds[1] }, 5),
      failed: await listAll({ teamId: a.teamId, state: "failed" }, 4),
      month: await listAll({ teamId: a.teamId, from: monthFrom, to: monthTo }, 11),
    };
    expect(before.team).toHaveLength(121);
    someId = (before.team[100] as { id: string }).id;
    docBefore = await reader.getExecution(someId);

    const report = await run();
    expect(report.planned).toBe(6); // 3 old days x 30 rows / 25 per batch = 2 batches per day
    expect(report.verified).toBe(6);
    expect(report.rows).toBe(90);
    const { rows: batches } = await db.pool.query("select * from app_private.archive_batches where team_id = $1 order by day, batch_no", [a.teamId]);
    expect(batches.map((b) => b.state)).toEqual(Array(6).fill("deleted"));
    expect(batches.map((b) => b.row_count)).toEqual([25, 5, 25, 5, 25, 5]);
    for (const b of batches) {
      expect(b.key).toMatch(new RegExp(`^executions/team_id=${a.teamId}/date=\\d{4}-\\d{2}-\\d{2}/\\d{6}\\.parquet$`));
      const head = await storage.head(b.key);
      expect(head?.sha256).toBe(b.sha256);
      expect(Number(head?.size)).toBe(Number(b.bytes));
      expect(b.transition_count).toBe(b.row_count * 4);
      expect(b.node_run_count).toBe(b.row_count * 3);
      expect(b.min_created_at <= b.max_created_at).toBe(true);
    }
    const { rows: [idx] } = await db.pool.query("select count(*)::int n, count(distinct execution_id)::int d from app_private.archived_executions a join app_private.archive_batches b on b.id = a.batch_id where b.team_id = $1", [a.teamId]);
    expect(idx).toEqual({ n: 90, d: 90 });
    const { rows: hot } = await db.pool.query("select state, count(*)::int n from app_public.executions where team_id = $1 group by 1 order by 1", [a.teamId]);
    expect(hot).toEqual([{ state: "failed", n: 6 }, { state: "running", n: 1 }, { state: "succeeded", n: 24 }]);
    const { rows: orphans } = await db.pool.query("select (select count(*)::int from app_public.execution_transitions where team_id = $1) t, (select count(*)::int from app_public.execution_node_runs where team_id = $1) r", [a.teamId]);
    expect(orphans[0]).toEqual({ t: 31 * 4 - 4, r: 30 * 3 });
    expect(running.id).toBeTruthy();
  });

  it("compresses the rows well below their PostgreSQL size (> 70% required)", async () => {
    // a realistic batch size (tiny batches are dominated by the Parquet footer)
    const t = await seedExecutions(db.pool, { daysAgo: [38], perDay: 600 });
    const r = await run({ teamId: t.teamId, settings: { ...settings, batchSize: 1000, rowGroupSize: 500 } });
    expect(r.rows).toBe(600);
    const { rows: [c] } = await db.pool.query("select sum(bytes)::float8 b, sum(pg_bytes)::float8 p from app_private.archive_batches where team_id = $1", [t.teamId]);
    const pct = 100 * (1 - c.b / c.p);
    expect(pct).toBeGreaterThan(70);
  });

  it("detaches and drops whole day partitions; deletes rows where the partition keeps other rows", async () => {
    const { rows } = await db.pool.query(`
      select substring(c.relname from '_p(\\d{8})$') d from pg_inherits i join pg_class c on c.oid = i.inhrelid
       where i.inhparent = 'app_public.executions'::regclass and c.relname ~ '_p\\d{8}$' order by 1`);
    const days = rows.map((r) => r.d);
    const dayOf = (ago: number) => new Date(Date.now() - ago * 86400_000).toISOString().slice(0, 10).replaceAll("-", "");
    expect(days).toContain(dayOf(45)); // the running execution keeps day 45 (rows deleted there)
    expect(days).toContain(dayOf(41)); // 41 and 40 are newer than 45: kept gap-free, rows deleted
    expect(days).not.toContain(dayOf(46)); // older and empty: dropped
    const { rows: ev } = await db.pool.query("select data->>'mode' as mode, count(*)::int n from app_public.events where stream_id = $1 and type = 'ArchiveBatchDeleted' group by 1", [`archive-${a.teamId}`]);
    expect(ev).toEqual([{ mode: "rows", n: 6 }]);
    // remove the blocker: the partitions of day 46 (empty) .. 41 go, oldest first, once everything is archived
    await db.pool.query("update app_public.executions set state = 'succeeded' where team_id = $1 and state = 'running'", [a.teamId]);
    const r2 = await run();
    expect(r2.planned).toBe(1);
    expect(r2.droppedPartitions).toContain(new Date(Date.now() - 45 * 86400_000).toISOString().slice(0, 10));
    expect(r2.droppedPartitions).toContain(new Date(Date.now() - 40 * 86400_000).toISOString().slice(0, 10));
    const gaps = await db.pool.query("select * from app_private.partition_gaps(7)");
    expect(gaps.rows).toEqual([]);
    const { rows: ev2 } = await db.pool.query("select count(*)::int n from app_public.events where stream_id = $1 and type = 'ArchiveBatchDeleted' and data->>'mode' = 'partition'", [`archive-${a.teamId}`]);
    expect(ev2[0].n).toBe(1);
  });

  it("answers hot+cold queries exactly like the same queries before archiving (same API, same order)", async () => {
    const monthFrom = new Date(Date.now() - 50 * 86400_000).toISOString();
    const monthTo = new Date(Date.now() - 20 * 86400_000).toISOString();
    const after = {
      team: await listAll({ teamId: a.teamId }),
      wf: await listAll({ workflowId: a.workflowIds[1] }, 5),
      failed: await listAll({ teamId: a.teamId, state: "failed" }, 4),
      month: await listAll({ teamId: a.teamId, from: monthFrom, to: monthTo }, 11),
    };
    // the running execution finished in between: compare with its new state
    const fix = (xs: unknown[]) => xs.map((x) => ({ ...(x as object), state: (x as { state: string }).state === "running" ? "succeeded" : (x as { state: string }).state, version: undefined, updated_at: undefined }));
    expect(fix(after.team)).toEqual(fix(before.team));
    expect(after.wf).toEqual(before.wf);
    expect(after.failed).toEqual(before.failed);
    expect(fix(after.month)).toEqual(fix(before.month));
    const page = await reader.listExecutions({ teamId: a.teamId, limit: 200 });
    expect(new Set(page.items.map((i) => i.source))).toEqual(new Set(["hot", "cold"]));
    const hotOnly = await reader.listExecutions({ teamId: a.teamId, limit: 200, includeCold: false });
    expect(hotOnly.items).toHaveLength(30);
  });

  it("gets an archived execution by id with its transitions and node runs, identical to the hot read", async () => {
    const doc = await reader.getExecution(someId);
    expect(doc.source).toBe("cold");
    const { source: _a, ...cold } = doc;
    const { source: _b, ...hot } = docBefore as { source: string };
    expect(cold).toEqual(hot);
    expect(cold.transitions).toHaveLength(4);
    expect(cold.created_at).toMatch(/\.\d{6}Z$/);
    await expect(reader.getExecution("00000000-0000-7000-8000-000000000000")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(reader.getExecution("nope")).rejects.toMatchObject({ code: "VALIDATION" });
  });

  it("restores a batch into the hot tables (partitions recreated), then serves it hot", async () => {
    const { rows: [b] } = await db.pool.query("select id, key, row_count from app_private.archive_batches where team_id = $1 and state = 'deleted' order by day, batch_no limit 1", [a.teamId]);
    const teamBefore = await listAll({ teamId: a.teamId });
    const n = await reader.restoreBatch(b.id);
    expect(n).toBe(b.row_count);
    const { rows: [s] } = await db.pool.query("select state from app_private.archive_batches where id = $1", [b.id]);
    expect(s.state).toBe("restored");
    expect(await storage.head(b.key)).toBeNull();
    expect(await listAll({ teamId: a.teamId })).toEqual(teamBefore);
    const { rows: [h] } = await db.pool.query("select count(*)::int n from app_public.execution_transitions t join app_private.archive_restored_executions r on r.execution_id = t.execution_id where r.batch_id = $1", [b.id]);
    expect(h.n).toBe(b.row_count * 4);
    // kept hot: the next run does not archive them again
    const r = await run();
    expect(r.planned).toBe(0);
    await expect(reader.restoreBatch(b.id)).rejects.toMatchObject({ code: "ILLEGAL_TRANSITION" });
  });

  it("appends an event for every archive action to archive-<team>", async () => {
    const { rows } = await db.pool.query("select type, count(*)::int n from app_public.events where stream_id = $1 group by 1 order by 1", [`archive-${a.teamId}`]);
    const m = Object.fromEntries(rows.map((r) => [r.type, r.n]));
    expect(m).toMatchObject({ ArchiveBatchPlanned: 7, ArchiveBatchUploaded: 7, ArchiveBatchVerified: 7, ArchiveBatchDeleted: 7, ArchiveBatchRestored: 1 });
    const { rows: [st] } = await db.pool.query("select type, team_id from app_public.event_streams where id = $1", [`archive-${a.teamId}`]);
    expect(st).toEqual({ type: "archive", team_id: a.teamId });
  });

  it("honours a per-team hot retention override", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [10], perDay: 5 });
    expect((await run()).planned).toBe(0);
    const { setRetention } = await import("../../src/archive/compliance.ts");
    await setRetention(db.pool, t.teamId, { hotDays: 7, coldDays: null });
    const r = await run({ teamId: t.teamId });
    expect(r.planned).toBe(1);
    await expect(setRetention(db.pool, t.teamId, { hotDays: 0, coldDays: null })).rejects.toMatchObject({ code: "VALIDATION" });
  });

  it("runs as the graphile-worker task archive_executions (on demand)", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [33], perDay: 4 });
    // The task reads the process's configuration (parsed once): register one whose archive goes to dir.
    const { loadConfig, setProcessConfig } = await import("../../src/config.ts");
    setProcessConfig(loadConfig({ ...process.env, ARCHIVE_DIR: dir }));
    await db.pool.query("select graphile_worker.add_job('archive_executions', json_build_object('team_id', $1::text), job_key => 'archive_executions:test')", [t.teamId]);
    await runJobsOnce(db.pool, { pgPool: db.pool, taskDirectory: path.resolve("tasks"), noHandleSignals: true, logger: undefined });
    const { rows: [c] } = await db.pool.query("select count(*)::int n from app_private.archive_batches where team_id = $1 and state = 'deleted'", [t.teamId]);
    expect(c.n).toBe(1);
    const { rows: jobs } = await db.pool.query("select * from graphile_worker.jobs where task_identifier = 'archive_executions'");
    expect(jobs).toEqual([]);
  });
});
