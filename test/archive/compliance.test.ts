import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runArchiveWithPool, type ArchiverSettings } from "../../src/archive/archiver.ts";
import { eraseTeam, eraseUser, placeLegalHold, releaseLegalHold, setRetention } from "../../src/archive/compliance.ts";
import { ArchiveReader } from "../../src/archive/retrieval.ts";
import { FileSystemStorage } from "../../src/storage/fs.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeUser } from "../harness/fixtures.ts";
import { seedExecutions } from "./seed.ts";

const db = useTestDatabase();
let dir: string;
let storage: FileSystemStorage;
let reader: ArchiveReader;
const settings: ArchiverSettings = { hotDays: 30, coldDays: 365, batchSize: 50, rowGroupSize: 10, zstdLevel: 3, encryptionKey: null };
const run = (teamId: string) => runArchiveWithPool(db.pool, { storage, settings, teamId });
const deps = () => ({ pool: db.pool, storage, encryptionKey: null });
const count = async (sql: string, args: unknown[]) => (await db.pool.query(sql, args)).rows[0].n as number;
const hotCount = (teamId: string) => count("select count(*)::int n from app_public.executions where team_id = $1", [teamId]);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "lf-archive-comp-"));
  storage = new FileSystemStorage(dir);
  reader = new ArchiveReader({ pool: db.pool, storage, encryptionKey: null });
});
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe("archive: compliance", { timeout: 120_000 }, () => {
  it("a legal hold on a team, a workflow or an execution blocks archiving of what it covers", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [40], perDay: 10, workflows: 2 });
    const { rows: [one] } = await db.pool.query("select id from app_public.executions where team_id = $1 and workflow_id = $2 limit 1", [t.teamId, t.workflowIds[0]]);
    const teamHold = await placeLegalHold(db.pool, { teamId: t.teamId, reason: "litigation 42" });
    expect((await run(t.teamId)).planned).toBe(0);
    await releaseLegalHold(db.pool, teamHold);
    const wfHold = await placeLegalHold(db.pool, { teamId: t.teamId, workflowId: t.workflowIds[1], reason: "audit" });
    const exHold = await placeLegalHold(db.pool, { teamId: t.teamId, executionId: one.id, reason: "one run" });
    const r = await run(t.teamId);
    expect(r.rows).toBe(4); // 10 rows: 5 on the held workflow, 1 held execution
    expect(await hotCount(t.teamId)).toBe(6);
    await releaseLegalHold(db.pool, wfHold);
    await releaseLegalHold(db.pool, exHold);
    expect((await run(t.teamId)).rows).toBe(6);
    expect(await hotCount(t.teamId)).toBe(0);
    await expect(releaseLegalHold(db.pool, exHold)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(placeLegalHold(db.pool, { teamId: t.teamId, reason: "" })).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(placeLegalHold(db.pool, { teamId: "00000000-0000-7000-8000-000000000000", reason: "x" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const { rows: ev } = await db.pool.query("select type, count(*)::int n from app_public.events where stream_id = $1 and type like 'LegalHold%' group by 1 order by 1", [`archive-${t.teamId}`]);
    expect(ev).toEqual([{ type: "LegalHoldPlaced", n: 3 }, { type: "LegalHoldReleased", n: 3 }]);
  });

  it("a hold placed after planning blocks the hot deletion (rows stay hot, served once) until released", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [41], perDay: 6 });
    const before = (await reader.listExecutions({ teamId: t.teamId, limit: 100 })).items.map(({ source: _s, ...x }) => x);
    // plan + upload + verify, then the hold arrives before the delete step
    await db.pool.query("select app_private.archive_plan_batch($1, ((now() at time zone 'UTC')::date - 41), 50, 30)", [t.teamId]);
    const hold = await placeLegalHold(db.pool, { teamId: t.teamId, reason: "late hold" });
    const r = await run(t.teamId);
    expect(r.verified).toBe(1);
    expect(r.heldBatches).toBe(1);
    expect(await hotCount(t.teamId)).toBe(6);
    const during = await reader.listExecutions({ teamId: t.teamId, limit: 100 });
    expect(during.items.map(({ source: _s, ...x }) => x)).toEqual(before);
    expect(during.items.every((i) => i.source === "hot")).toBe(true);
    await releaseLegalHold(db.pool, hold);
    expect((await run(t.teamId)).deletedBatches).toBe(1);
    expect(await hotCount(t.teamId)).toBe(0);
  });

  it("cold retention deletes expired files but keeps their manifest entries; a hold blocks expiry", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [42], perDay: 5 });
    const u = await seedExecutions(db.pool, { daysAgo: [42], perDay: 5 });
    await run(t.teamId);
    await run(u.teamId);
    await setRetention(db.pool, t.teamId, { hotDays: null, coldDays: 10 });
    await setRetention(db.pool, u.teamId, { hotDays: null, coldDays: 10 });
    await placeLegalHold(db.pool, { teamId: u.teamId, reason: "keep" });
    const { rows: [tb] } = await db.pool.query("select id, key from app_private.archive_batches where team_id = $1", [t.teamId]);
    const { rows: [ub] } = await db.pool.query("select id, key from app_private.archive_batches where team_id = $1", [u.teamId]);
    const r = await runArchiveWithPool(db.pool, { storage, settings });
    expect(r.expired).toBe(1);
    expect(await storage.head(tb.key)).toBeNull();
    expect(await storage.head(ub.key)).not.toBeNull();
    const { rows: [m] } = await db.pool.query("select state, row_count, sha256 is not null as has_sum, expired_at is not null as expired from app_private.archive_batches where id = $1", [tb.id]);
    expect(m).toEqual({ state: "expired", row_count: 5, has_sum: true, expired: true });
    const { rows: [anId] } = await db.pool.query("select execution_id from app_private.archived_executions where batch_id = $1 limit 1", [tb.id]);
    await expect(reader.getExecution(anId.execution_id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await reader.listExecutions({ teamId: t.teamId })).items).toEqual([]);
    expect(await count("select count(*)::int n from app_public.events where stream_id = $1 and type = 'ArchiveBatchExpired'", [`archive-${t.teamId}`])).toBe(1);
  });

  it("erasing a user rewrites the affected files (new generation, new checksum), old files deleted", async () => {
    const user = await makeUser(db.pool, { email: "erase.me@example.com" });
    const t = await seedExecutions(db.pool, { daysAgo: [43, 44], perDay: 5, actorId: user.id, inputExtra: { requested_by: user.email } });
    await run(t.teamId);
    const { rows: old } = await db.pool.query("select id, key, sha256 from app_private.archive_batches where team_id = $1 order by id", [t.teamId]);
    expect(old).toHaveLength(2);
    const { rows: [ex] } = await db.pool.query("select execution_id from app_private.archived_executions where batch_id = $1 limit 1", [old[0].id]);
    const before = await reader.getExecution(ex.execution_id);
    expect(before.transitions[0]!.actor_id).toBe(user.id);
    const res = await eraseUser(deps(), user.id, { email: user.email });
    expect(res.rewritten).toBe(2);
    const { rows: now } = await db.pool.query("select id, key, sha256, generation, actor_ids from app_private.archive_batches where team_id = $1 order by id", [t.teamId]);
    for (const [i, b] of now.entries()) {
      expect(b.key).toBe(old[i].key.replace(/\.parquet$/, "-r1.parquet"));
      expect(b.sha256).not.toBe(old[i].sha256);
      expect(b.generation).toBe(1);
      expect(b.actor_ids).toEqual([]);
      expect(await storage.head(old[i].key)).toBeNull();
      expect((await storage.head(b.key))?.sha256).toBe(b.sha256);
    }
    const after = await reader.getExecution(ex.execution_id);
    expect(after.transitions[0]!.actor_id).toBeNull();
    expect((after.input as Record<string, unknown>).requested_by).toBe("[erased]");
    expect({ ...after, transitions: undefined, input: undefined }).toEqual({ ...before, transitions: undefined, input: undefined });
    expect(await count("select count(*)::int n from app_public.events where stream_id = $1 and type = 'ArchiveBatchRewritten'", [`archive-${t.teamId}`])).toBe(2);
    expect((await eraseUser(deps(), user.id)).rewritten).toBe(0);
  });

  it("erasure is refused under a legal hold, and erasing a team removes its files but keeps manifest entries", async () => {
    const user = await makeUser(db.pool);
    const t = await seedExecutions(db.pool, { daysAgo: [46], perDay: 4, actorId: user.id });
    await run(t.teamId);
    const hold = await placeLegalHold(db.pool, { teamId: t.teamId, reason: "hold" });
    await expect(eraseUser(deps(), user.id)).rejects.toMatchObject({ code: "CONFLICT" });
    await expect(eraseTeam(deps(), t.teamId)).rejects.toMatchObject({ code: "CONFLICT" });
    await releaseLegalHold(db.pool, hold);
    const { rows: [b] } = await db.pool.query("select key from app_private.archive_batches where team_id = $1", [t.teamId]);
    expect((await eraseTeam(deps(), t.teamId)).erased).toBe(1);
    expect(await storage.head(b.key)).toBeNull();
    const { rows: [m] } = await db.pool.query("select state, row_count from app_private.archive_batches where team_id = $1", [t.teamId]);
    expect(m).toEqual({ state: "erased", row_count: 4 });
    expect(await count("select count(*)::int n from app_private.archived_executions where team_id = $1", [t.teamId])).toBe(0);
    expect(await count("select count(*)::int n from app_public.events where stream_id = $1 and type = 'ArchiveBatchErased'", [`archive-${t.teamId}`])).toBe(1);
  });
});
