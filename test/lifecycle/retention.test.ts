// Retention policies: the tasks (trim, archive, cold expiry) apply exactly what retention_plan's dry run
// lists; legal holds win over every policy; only owners/admins manage policies; usage follows every step.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ArchiverSettings } from "../../src/archive/archiver.ts";
import { placeLegalHold } from "../../src/archive/compliance.ts";
import { LifecycleRepository, runRetentionPass, foldUsage, reconcileUsage, type RetentionPlanItem } from "../../src/lifecycle/index.ts";
import { FileSystemStorage } from "../../src/storage/fs.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser } from "../harness/fixtures.ts";
import { seedExecutions } from "../archive/seed.ts";

type U = { id: string };
const db = useTestDatabase();
let dir: string;
let storage: FileSystemStorage;
const settings: ArchiverSettings = { hotDays: 30, coldDays: 365, batchSize: 25, rowGroupSize: 10, zstdLevel: 3, encryptionKey: null };

let owner: { id: string }, admin: { id: string }, editor: { id: string }, viewer: { id: string }, outsider: { id: string };
let teamId: string;
let wf: string[];
let otherTeamId: string;
let heldId: string;

const byStep = (plan: RetentionPlanItem[], step: string) => plan.filter((p) => p.step === step);
const sum = (xs: RetentionPlanItem[]) => xs.reduce((s, x) => s + x.bytes, 0);

async function actualUsage(team: string) {
  const { rows: [r] } = await db.pool.query(`
    select (select count(*) from app_public.executions where team_id = $1)::float8 as hot_executions,
           ((select coalesce(sum(app_private.execution_bytes(e.*)), 0) from app_public.executions e where e.team_id = $1)
          + (select coalesce(sum(app_private.execution_transition_bytes(t.*)), 0) from app_public.execution_transitions t where t.team_id = $1)
          + (select coalesce(sum(app_private.execution_node_run_bytes(n.*)), 0) from app_public.execution_node_runs n where n.team_id = $1))::float8 as hot_bytes,
           (select coalesce(sum(row_count), 0) from app_private.archive_batches where team_id = $1 and state = 'deleted')::float8 as cold_executions,
           (select coalesce(sum(bytes), 0) from app_private.archive_batches where team_id = $1 and state = 'deleted')::float8 as cold_bytes,
           (select count(*) from app_public.events where team_id = $1)::float8 as events`, [team]);
  return r;
}
async function trackedUsage(team: string) {
  const u = await new LifecycleRepository(db.pool).usage(team);
  return { hot_executions: u.hot_executions, hot_bytes: u.hot_bytes, cold_executions: u.cold_executions, cold_bytes: u.cold_bytes, events: u.events };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "lf-lifecycle-"));
  storage = new FileSystemStorage(dir);
  [owner, admin, editor, viewer, outsider] = (await Promise.all([0, 1, 2, 3, 4].map(() => makeUser(db.pool)))) as unknown as [U, U, U, U, U];
  teamId = (await makeTeam(db.pool, [{ userId: owner.id, role: "owner" }, { userId: admin.id, role: "admin" },
    { userId: editor.id, role: "editor" }, { userId: viewer.id, role: "viewer" }])).id;
  otherTeamId = (await makeTeam(db.pool, [{ userId: outsider.id, role: "owner" }])).id;
  const s = await seedExecutions(db.pool, { teamId, workflows: 2, daysAgo: [41, 40, 10, 5], perDay: 20 });
  wf = s.workflowIds;
  // another team with the same ages and no policy: its executions follow the defaults only
  await seedExecutions(db.pool, { teamId: otherTeamId, workflows: 1, daysAgo: [41, 10, 5], perDay: 10 });
}, 120_000);
afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

describe("lifecycle: retention policies", { timeout: 180_000 }, () => {
  it("are managed by owners and admins only, with typed errors naming the field", async () => {
    const repo = new LifecycleRepository(db.pool);
    await expect(repo.asUser(editor.id).setPolicy({ teamId, hotDays: 30, coldDays: 365 })).rejects.toMatchObject({ code: "FORBIDDEN", sqlState: "LFDNY" });
    await expect(repo.asUser(viewer.id).setPolicy({ teamId, hotDays: 30, coldDays: 365 })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(repo.asUser(outsider.id).setPolicy({ teamId, hotDays: 30, coldDays: 365 })).rejects.toMatchObject({ code: "NOT_FOUND", sqlState: "LFNTF" });
    await expect(repo.asUser(owner.id).setPolicy({ teamId, hotDays: 0, coldDays: 365 })).rejects.toMatchObject({ code: "VALIDATION", field: "hot_days" });
    await expect(repo.asUser(owner.id).setPolicy({ teamId, hotDays: 30, coldDays: 10 })).rejects.toMatchObject({ code: "VALIDATION", field: "cold_days" });
    await expect(repo.asUser(owner.id).setPolicy({ teamId, hotDays: 30, coldDays: 365, nodeOutput: "trim", nodeOutputAfterDays: 3 }))
      .rejects.toMatchObject({ code: "VALIDATION", field: "node_output_max_bytes" });
    await expect(repo.asUser(owner.id).setPolicy({ teamId, hotDays: 30, coldDays: 365, nodeOutput: "shred" as never, nodeOutputAfterDays: 3 }))
      .rejects.toMatchObject({ code: "VALIDATION", field: "node_output" });
    // a workflow of another team is not found (never revealed)
    const { rows: [ow] } = await db.pool.query("select id from app_public.workflows where team_id = $1 limit 1", [otherTeamId]);
    await expect(repo.asUser(owner.id).setPolicy({ teamId, workflowId: ow.id, hotDays: 7, coldDays: 30 })).rejects.toMatchObject({ code: "NOT_FOUND", field: "workflow_id" });
    await expect(repo.asUser(editor.id).plan(teamId)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(repo.asUser(outsider.id).plan(teamId)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await db.pool.query("select count(*)::int as n from app_public.retention_policies")).toMatchObject({ rows: [{ n: 0 }] });
  });

  it("team policy with trimming, workflow policy with a shorter hot retention and dropped outputs; viewers read them", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(admin.id);
    await repo.setPolicy({ teamId, hotDays: 30, coldDays: 365, nodeOutput: "trim", nodeOutputAfterDays: 3, nodeOutputMaxBytes: 16 });
    await repo.setPolicy({ teamId, workflowId: wf[1]!, hotDays: 7, coldDays: 38, nodeOutput: "drop", nodeOutputAfterDays: 1 });
    // replacing keeps one row per (team, workflow)
    await repo.setPolicy({ teamId, workflowId: wf[1]!, hotDays: 7, coldDays: 38, nodeOutput: "drop", nodeOutputAfterDays: 1 });
    const seen = await new LifecycleRepository(db.pool).asUser(viewer.id).policies(teamId);
    expect(seen.map((p) => [p.workflow_id, p.hot_days, p.node_output])).toEqual([[null, 30, "trim"], [wf[1], 7, "drop"]]);
    expect(await new LifecycleRepository(db.pool).asUser(outsider.id).policies(teamId)).toEqual([]);
    const { rows } = await db.pool.query("select type from app_public.events where stream_id = $1 order by global_position", [`lifecycle-${teamId}`]);
    expect(rows.map((r) => r.type)).toEqual(["RetentionPolicyChanged", "RetentionPolicyChanged", "RetentionPolicyChanged"]);
  });

  it("a retention pass archives and trims exactly what the dry run listed, with the same bytes; legal holds win", async () => {
    // hold one old execution of workflow 0: the policy would archive it. The seed places day d's executions
    // from that day's UTC midnight, so the 40-day ones are picked by UTC day, whatever the time of day now
    const { rows: [h] } = await db.pool.query(`
      select id from app_public.executions
       where team_id = $1 and workflow_id = $2
         and created_at >= date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - interval '40 days'
         and created_at < date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - interval '39 days'
       order by id limit 1`, [teamId, wf[0]]);
    heldId = h.id;
    await placeLegalHold(db.pool, { teamId, executionId: heldId, reason: "litigation" });
    const outputBefore = (await db.pool.query("select array_agg(output order by node_name) as o from app_public.execution_node_runs where execution_id = $1", [heldId])).rows[0].o;

    const plan = await new LifecycleRepository(db.pool).asUser(owner.id).plan(teamId);
    const archive = byStep(plan, "archive");
    const trim = byStep(plan, "trim");
    expect(byStep(plan, "delete")).toEqual([]);
    // 20 a day over both workflows. 41 and 40 days: 40 executions minus the held one; 10 days: workflow 1's 10 (hot 7 days)
    expect(archive).toHaveLength(40 - 1 + 10);
    expect(archive.map((a) => a.execution_id)).not.toContain(heldId);
    // 10 days (workflow 0: 10, trimmed) and 5 days (workflow 0: trim, workflow 1: drop) = 30 executions
    expect(trim).toHaveLength(30);
    expect(trim.map((a) => a.execution_id)).not.toContain(heldId);
    // summary agrees with the items
    const summary = (await db.asUser(owner.id, (c) => c.query("select step, executions::int, bytes::float8 from app_public.retention_plan_summary($1)", [teamId]))).rows;
    expect(summary).toEqual([{ step: "archive", executions: 49, bytes: sum(archive) }, { step: "trim", executions: 30, bytes: sum(trim) }]);

    const outputsBefore = (await db.pool.query(
      "select coalesce(sum(pg_column_size(output)), 0)::float8 as b from app_public.execution_node_runs where team_id = $1 and execution_id = any($2::uuid[])",
      [teamId, trim.map((t) => t.execution_id)])).rows[0].b;
    const hotBefore = (await trackedUsage(teamId)).hot_bytes;
    const batchesBefore = (await db.pool.query("select coalesce(array_agg(id), '{}') as ids from app_private.archive_batches where team_id = $1", [teamId])).rows[0].ids;

    const report = await runRetentionPass(db.pool, { storage, settings });
    // the 41-day partition held only archived rows: dropped whole (no row triggers); the 40-day one keeps the held row
    expect(report.archive.droppedPartitions.length).toBeGreaterThan(0);

    // the hot bytes freed are exactly the plan's archive + trim bytes
    expect(hotBefore - (await trackedUsage(teamId)).hot_bytes).toBe(sum(archive) + sum(trim));
    expect(await trackedUsage(teamId)).toEqual(await actualUsage(teamId));
    // archive: the same executions; bytes close to the manifest's pg_bytes (whole-row sizes) of the new batches
    const { rows: archived } = await db.pool.query(
      "select a.execution_id from app_private.archived_executions a where a.team_id = $1 order by 1", [teamId]);
    expect(archived.map((r) => r.execution_id)).toEqual(archive.map((a) => a.execution_id).sort());
    const { rows: [pgb] } = await db.pool.query(
      "select sum(pg_bytes)::float8 as b from app_private.archive_batches where team_id = $1 and not (id = any($2::uuid[]))", [teamId, batchesBefore]);
    // (whole rows add alignment padding to the column values the plan counts)
    expect(Math.abs(pgb.b - sum(archive)) / sum(archive)).toBeLessThan(0.1);
    // trim: the same executions, the bytes reported equal the plan's, and the measured change agrees within rounding
    const { rows: trimmed } = await db.pool.query(
      "select distinct execution_id from app_public.execution_node_runs where team_id = $1 and output ? '$trimmed' order by 1", [teamId]);
    expect(trimmed.map((r) => r.execution_id)).toEqual(trim.map((t) => t.execution_id).sort());
    expect(report.trim.bytesFreed).toBe(sum(trim));
    expect(trim.every((t) => t.bytes > 0)).toBe(true);
    const outputsAfter = (await db.pool.query(
      "select coalesce(sum(pg_column_size(output)), 0)::float8 as b from app_public.execution_node_runs where team_id = $1 and execution_id = any($2::uuid[])",
      [teamId, trim.map((t) => t.execution_id)])).rows[0].b;
    expect(Math.abs((outputsBefore - outputsAfter) - sum(trim))).toBeLessThanOrEqual(3 * 3 * trim.length);
    // outputs became the marker (drop) or the marker and a preview (trim)
    const { rows: shapes } = await db.pool.query(`
      select e.workflow_id, case when n.output ? 'preview' then 'trim' else 'drop' end as mode, char_length(n.output->>'preview') as preview,
             (n.output->>'$trimmed')::int > 16 as recorded
        from app_public.execution_node_runs n join app_public.executions e on e.id = n.execution_id and e.created_at = n.execution_created_at
       where n.team_id = $1 and n.output ? '$trimmed' group by 1, 2, 3, 4`, [teamId]);
    expect(shapes).toEqual(expect.arrayContaining([{ workflow_id: wf[0], mode: "trim", preview: 16, recorded: true }, { workflow_id: wf[1], mode: "drop", preview: null, recorded: true }]));
    expect(shapes).toHaveLength(2);

    // the held execution is still hot and untouched
    const held = (await db.pool.query("select array_agg(output order by node_name) as o from app_public.execution_node_runs where execution_id = $1", [heldId])).rows[0].o;
    expect(held).toEqual(outputBefore);
    // the other team (no policy) only lost what the defaults say: its 41-day executions; nothing trimmed
    const { rows: [other] } = await db.pool.query(`
      select (select count(*) from app_private.archived_executions where team_id = $1)::int as archived,
             (select count(*) from app_public.execution_node_runs where team_id = $1 and output ? '$trimmed')::int as trimmed`, [otherTeamId]);
    expect(other).toEqual({ archived: 10, trimmed: 0 });

    // nothing left to do: a second dry run is empty, a second pass changes nothing
    const again = await new LifecycleRepository(db.pool).plan(teamId);
    expect(again).toEqual([]);
    const second = await runRetentionPass(db.pool, { storage, settings });
    expect(second.trim.nodeRuns).toBe(0);
    expect(second.archive.planned).toBe(0);
  });

  it("cold retention deletes exactly the batches the dry run listed, never one holding a held execution", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    await repo.setPolicy({ teamId, hotDays: 30, coldDays: 35, nodeOutput: "trim", nodeOutputAfterDays: 3, nodeOutputMaxBytes: 16 });
    // hold one execution inside an archived 40-day batch: that batch must stay
    const { rows: [m] } = await db.pool.query(`
      select a.execution_id, a.batch_id from app_private.archived_executions a join app_private.archive_batches b on b.id = a.batch_id
       where a.team_id = $1 and b.state = 'deleted' and a.created_at < now() - interval '39 days' order by a.execution_id limit 1`, [teamId]);
    await placeLegalHold(db.pool, { teamId, executionId: m.execution_id, reason: "audit" });

    const plan = await repo.plan(teamId);
    const del = byStep(plan, "delete");
    expect(del.length).toBeGreaterThan(0);
    expect(del.map((d) => d.batch_id)).not.toContain(m.batch_id);
    // the 10-day batch (workflow 1, cold 38 days) is not due
    const { rows: due } = await db.pool.query(`
      select id, row_count, bytes::float8 from app_private.archive_batches
       where team_id = $1 and state = 'deleted' and max_created_at < now() - interval '35 days' and id <> $2 order by id`, [teamId, m.batch_id]);
    expect(del.map((d) => d.batch_id).sort()).toEqual(due.map((d) => d.id));
    expect(byStep(plan, "archive")).toEqual([]);

    const report = await runRetentionPass(db.pool, { storage, settings });
    expect(report.archive.expired).toBe(del.length);
    const { rows: expired } = await db.pool.query("select id, bytes::float8 from app_private.archive_batches where team_id = $1 and state = 'expired' order by id", [teamId]);
    expect(expired.map((e) => e.id)).toEqual(del.map((d) => d.batch_id).sort());
    expect(expired.reduce((s, e) => s + e.bytes, 0)).toBe(sum(del));
    expect(del.reduce((s, d) => s + d.executions, 0)).toBe(due.reduce((s, d) => s + d.row_count, 0));
    const { rows: [kept] } = await db.pool.query("select state from app_private.archive_batches where id = $1", [m.batch_id]);
    expect(kept.state).toBe("deleted");
    expect(await new LifecycleRepository(db.pool).plan(teamId)).toEqual([]);
  });

  it("usage follows every step exactly: hot rows in, trimmed, archived (rows and partitions), cold files expired", async () => {
    for (const t of [teamId, otherTeamId]) expect(await trackedUsage(t)).toEqual(await actualUsage(t));
    await foldUsage(db.pool);
    const { rows: [q] } = await db.pool.query("select count(*)::int as n from app_hidden.team_usage_deltas");
    expect(q.n).toBe(0);
    for (const t of [teamId, otherTeamId]) expect(await trackedUsage(t)).toEqual(await actualUsage(t));
    const u = await new LifecycleRepository(db.pool).asUser(viewer.id).usage(teamId);
    expect(u.cold_bytes).toBeGreaterThan(0);
    await expect(new LifecycleRepository(db.pool).asUser(outsider.id).usage(teamId)).rejects.toMatchObject({ code: "NOT_FOUND" });
    // counters that were right need no correction; drifted ones are corrected from a recount
    expect(await reconcileUsage(db.pool, teamId)).toEqual({ hot_executions: 0, hot_bytes: 0, cold_executions: 0, cold_bytes: 0, events: 0 });
    await db.pool.query("insert into app_hidden.team_usage_deltas (team_id, hot_bytes, events) values ($1, 12345, -2)", [teamId]);
    expect(await reconcileUsage(db.pool, teamId)).toEqual({ hot_executions: 0, hot_bytes: -12345, cold_executions: 0, cold_bytes: 0, events: 2 });
    expect(await trackedUsage(teamId)).toEqual(await actualUsage(teamId));
  });

  it("a pass as of the dry run's time applies exactly that plan, though the cutoff moves on meanwhile; never ahead of time", async () => {
    // executions 61 s apart around exactly 30 days ago: the hot cutoff (30 days, the defaults) passes one a minute
    const team = (await makeTeam(db.pool, [{ userId: owner.id, role: "owner" }])).id;
    await seedExecutions(db.pool, { teamId: team, workflows: 1, daysAgo: [30], perDay: 40, aroundNow: true });
    const asOf = new Date(Date.now() - 5 * 60_000); // the plan as of 5 minutes ago: about 5 fewer than now
    const repo = new LifecycleRepository(db.pool);
    const plan = byStep(await repo.plan(team, { hotDays: 30, at: asOf }), "archive");
    // "now" pinned: an execution crosses the cutoff every 61 s, so a second plan at a later now could hold one more
    const now = new Date();
    const planNow = byStep(await repo.plan(team, { hotDays: 30, at: now }), "archive");
    expect(plan.length).toBeGreaterThan(10);
    expect(planNow.length).toBeGreaterThan(plan.length);

    await expect(runRetentionPass(db.pool, { storage, settings, teamId: team, asOf: new Date(Date.now() + 60_000) }))
      .rejects.toMatchObject({ code: "VALIDATION", field: "at" });
    const report = await runRetentionPass(db.pool, { storage, settings, teamId: team, asOf });
    const { rows } = await db.pool.query("select execution_id from app_private.archived_executions where team_id = $1 order by 1", [team]);
    expect(rows.map((r) => r.execution_id)).toEqual(plan.map((a) => a.execution_id).sort());
    expect(report.archive.planned).toBeGreaterThan(0);
    // the rest is due now, and a pass at now takes it
    expect(byStep(await repo.plan(team, { hotDays: 30, at: now }), "archive").length).toBe(planNow.length - plan.length);
  });
});
