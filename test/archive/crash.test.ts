import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRASH_POINTS, InjectedCrash, runArchiveWithPool, type ArchiverSettings, type CrashPoint } from "../../src/archive/archiver.ts";
import { ArchiveReader } from "../../src/archive/retrieval.ts";
import { FileSystemStorage } from "../../src/storage/fs.ts";
import { useTestDatabase } from "../harness/db.ts";
import { seedExecutions } from "./seed.ts";

const exec = promisify(execFile);
const db = useTestDatabase();
/** The archiver CLI's JSON report: the line with the run's fields (warnings such as slow-query logs may print around it). */
const reportOf = (stdout: string) => stdout.trim().split("\n")
  .map((l) => { try { return JSON.parse(l) as Record<string, unknown>; } catch { return null; } })
  .filter((r) => r !== null && "skipped" in r).pop();
let dir: string;
let storage: FileSystemStorage;
let reader: ArchiveReader;
const settings: ArchiverSettings = { hotDays: 30, coldDays: 365, batchSize: 8, rowGroupSize: 4, zstdLevel: 3, encryptionKey: null };

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "lf-archive-crash-"));
  storage = new FileSystemStorage(dir);
  reader = new ArchiveReader({ pool: db.pool, storage, encryptionKey: null });
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

async function snapshot(teamId: string) {
  const items = [];
  let after: string | null = null;
  do {
    const p = await reader.listExecutions({ teamId, limit: 9, after });
    items.push(...p.items.map(({ source: _s, ...rest }) => rest));
    after = p.next;
  } while (after);
  return items;
}

/** Nothing lost, nothing twice: every execution is exactly once hot or in exactly one live batch. */
async function checkInvariants(teamId: string, expected: number) {
  const { rows: [c] } = await db.pool.query(`
    select (select count(*)::int from app_public.executions where team_id = $1) as hot,
           (select count(*)::int from app_private.archived_executions a join app_private.archive_batches b on b.id = a.batch_id
             where b.team_id = $1 and b.state = 'deleted') as cold,
           (select count(*)::int from app_public.executions e join app_private.archived_executions a on a.execution_id = e.id
             join app_private.archive_batches b on b.id = a.batch_id where e.team_id = $1 and b.state = 'deleted') as both_places,
           (select count(*)::int from app_private.archive_batches where team_id = $1) as batches,
           (select count(distinct key)::int from app_private.archive_batches where team_id = $1) as keys`, [teamId]);
  expect(c.hot + c.cold).toBe(expected);
  expect(c.both_places).toBe(0);
  expect(c.keys).toBe(c.batches);
  return c;
}

describe("archive: crash safety", { timeout: 120_000 }, () => {
  for (const point of CRASH_POINTS) {
    it(`loses and duplicates nothing when the run dies at ${point}, and the next run finishes the job`, async () => {
      const daysAgo = 60 + CRASH_POINTS.indexOf(point) * 2;
      const t = await seedExecutions(db.pool, { daysAgo: [daysAgo], perDay: 20 });
      // a running execution of another team keeps the day partition, so hot rows are deleted row by row
      if (point === "during_delete") await seedExecutions(db.pool, { daysAgo: [daysAgo], perDay: 1, state: "running" });
      const before = await snapshot(t.teamId);
      // partition drops only happen when whole days are archived: run without a team filter for that point
      const scope = point === "during_partition_drop" ? {} : { teamId: t.teamId };
      await expect(runArchiveWithPool(db.pool, { storage, settings, crashAt: point as CrashPoint, ...scope })).rejects.toBeInstanceOf(InjectedCrash);
      await checkInvariants(t.teamId, 20);
      expect(await snapshot(t.teamId)).toEqual(before);
      const r = await runArchiveWithPool(db.pool, { storage, settings, ...scope });
      expect(r.skipped).toBe(false);
      const c = await checkInvariants(t.teamId, 20);
      expect(c).toMatchObject({ hot: 0, cold: 20, batches: 3 });
      const { rows: states } = await db.pool.query("select distinct state from app_private.archive_batches where team_id = $1", [t.teamId]);
      expect(states).toEqual([{ state: "deleted" }]);
      const files = await storage.list(`executions/team_id=${t.teamId}/`);
      expect(files).toHaveLength(3);
      expect(await snapshot(t.teamId)).toEqual(before);
      // one Planned/Uploaded/Verified/Deleted event per batch, even across the crash
      const { rows: ev } = await db.pool.query("select type, count(*)::int n from app_public.events where stream_id = $1 group by 1 order by 1", [`archive-${t.teamId}`]);
      expect(ev).toEqual([
        { type: "ArchiveBatchDeleted", n: 3 }, { type: "ArchiveBatchPlanned", n: 3 }, { type: "ArchiveBatchUploaded", n: 3 }, { type: "ArchiveBatchVerified", n: 3 },
      ]);
    });
  }

  it("survives a real SIGKILL of scripts/archive_job.sh at each step", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [80], perDay: 20 });
    await seedExecutions(db.pool, { daysAgo: [80], perDay: 1, state: "running" });
    const before = await snapshot(t.teamId);
    const env = { ...process.env, DATABASE_URL: db.ownerUrl, ARCHIVE_DIR: dir, ARCHIVE_BATCH_SIZE: "8", LOG_LEVEL: "warn" };
    for (const point of ["after_upload", "after_manifest", "during_delete"]) {
      const killed = await exec("scripts/archive_job.sh", ["--team", t.teamId], { env: { ...env, ARCHIVE_CRASH_AT: point } }).then(() => null, (e) => e);
      expect(killed?.signal, String(killed?.stderr ?? killed)).toBe("SIGKILL");
      await checkInvariants(t.teamId, 20);
    }
    const { stdout } = await exec("scripts/archive_job.sh", ["--team", t.teamId], { env });
    expect(reportOf(stdout)).toMatchObject({ skipped: false });
    expect(await checkInvariants(t.teamId, 20)).toMatchObject({ hot: 0, cold: 20 });
    expect(await snapshot(t.teamId)).toEqual(before);
  });

  // Groups: several batches per transaction, the next group planned and built while the previous one's files
  // are stored and read back. Crash in the second group, with the first one's state changes committed or not.
  for (const point of CRASH_POINTS.filter((p) => p !== "during_partition_drop" && p !== "during_delete")) {
    it(`pipelined groups: dying at ${point} of the second group loses and duplicates nothing`, async () => {
      const days = [100 + CRASH_POINTS.indexOf(point) * 4, 101 + CRASH_POINTS.indexOf(point) * 4];
      const t = await seedExecutions(db.pool, { daysAgo: days, perDay: 20 });
      // a running execution of another team on each day: hot rows are deleted row by row, in chunks
      for (const d of days) await seedExecutions(db.pool, { daysAgo: [d], perDay: 1, state: "running" });
      const before = await snapshot(t.teamId);
      const grouped = { ...settings, groupRows: 10 }; // batches of 8: two batches (16 rows) per group
      await expect(runArchiveWithPool(db.pool, { storage, settings: grouped, crashAt: point as CrashPoint, crashOnHit: 2, teamId: t.teamId }))
        .rejects.toBeInstanceOf(InjectedCrash);
      await checkInvariants(t.teamId, 40);
      expect(await snapshot(t.teamId)).toEqual(before);
      const r = await runArchiveWithPool(db.pool, { storage, settings: grouped, teamId: t.teamId });
      expect(r.skipped).toBe(false);
      expect(await checkInvariants(t.teamId, 40)).toMatchObject({ hot: 0, cold: 40, batches: 6 });
      expect(await storage.list(`executions/team_id=${t.teamId}/`)).toHaveLength(6);
      expect(await snapshot(t.teamId)).toEqual(before);
      const { rows: ev } = await db.pool.query("select type, count(*)::int n from app_public.events where stream_id = $1 group by 1 order by 1", [`archive-${t.teamId}`]);
      expect(ev).toEqual([
        { type: "ArchiveBatchDeleted", n: 6 }, { type: "ArchiveBatchPlanned", n: 6 }, { type: "ArchiveBatchUploaded", n: 6 }, { type: "ArchiveBatchVerified", n: 6 },
      ]);
    });
  }

  it("pipelined groups: drops each day's partitions as soon as the day is archived, before the run ends", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [140, 141], perDay: 20 });
    const before = await snapshot(t.teamId);
    // groups of 10+ rows (batches of 8): [141: 8, 8], [141: 4, 140: 8], [140: 8, 4]. The crash comes when the
    // third group is verified: the older day, complete since the second group, must already be dropped.
    await expect(runArchiveWithPool(db.pool, { storage, settings: { ...settings, groupRows: 10 }, crashAt: "after_verify", crashOnHit: 3 }))
      .rejects.toBeInstanceOf(InjectedCrash);
    const { rows: parts } = await db.pool.query(`select c.relname from pg_inherits i join pg_class c on c.oid = i.inhrelid
      where i.inhparent = 'app_public.executions'::regclass and c.relname ~ $1`, [`_p${new Date(Date.now() - 141 * 86400_000).toISOString().slice(0, 10).replaceAll("-", "")}$`]);
    expect(parts).toEqual([]);
    await checkInvariants(t.teamId, 40);
    await runArchiveWithPool(db.pool, { storage, settings });
    expect(await checkInvariants(t.teamId, 40)).toMatchObject({ hot: 0, cold: 40 });
    expect(await snapshot(t.teamId)).toEqual(before);
  });

  it("pipelined groups: survives a real SIGKILL in the second group at each step", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [150, 151], perDay: 20 });
    for (const d of [150, 151]) await seedExecutions(db.pool, { daysAgo: [d], perDay: 1, state: "running" });
    const before = await snapshot(t.teamId);
    const env = { ...process.env, DATABASE_URL: db.ownerUrl, ARCHIVE_DIR: dir, ARCHIVE_BATCH_SIZE: "8", ARCHIVE_GROUP_ROWS: "10", ARCHIVE_CRASH_HIT: "2", LOG_LEVEL: "warn" };
    for (const point of ["before_upload", "after_upload", "after_manifest", "after_verify"]) {
      const killed = await exec("scripts/archive_job.sh", ["--team", t.teamId], { env: { ...env, ARCHIVE_CRASH_AT: point } }).then(() => null, (e) => e);
      expect(killed?.signal, String(killed?.stderr ?? killed)).toBe("SIGKILL");
      await checkInvariants(t.teamId, 40);
      expect(await snapshot(t.teamId)).toEqual(before);
    }
    const { stdout } = await exec("scripts/archive_job.sh", ["--team", t.teamId], { env });
    expect(reportOf(stdout)).toMatchObject({ skipped: false });
    expect(await checkInvariants(t.teamId, 40)).toMatchObject({ hot: 0, cold: 40 });
    expect(await snapshot(t.teamId)).toEqual(before);
  });

  it("lets only one archiver run at a time (advisory lock); the other skips", async () => {
    const c = await db.pool.connect();
    try {
      await c.query("select pg_advisory_lock(hashtext('linkflow:archive_executions'))");
      const r = await runArchiveWithPool(db.pool, { storage, settings });
      expect(r.skipped).toBe(true);
    } finally {
      await c.query("select pg_advisory_unlock(hashtext('linkflow:archive_executions'))");
      c.release();
    }
  });
});
