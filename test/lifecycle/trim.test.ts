// Trimming in batches: a call takes exactly max_rows of the due node runs, oldest first, and returns the keyset
// position the next call starts from; calls chained that way trim exactly the due set (and its bytes), never a
// held execution nor another team's rows.
import { beforeAll, describe, expect, it } from "vitest";
import { placeLegalHold } from "../../src/archive/compliance.ts";
import { runTrim } from "../../src/lifecycle/index.ts";
import { useTestDatabase } from "../harness/db.ts";
import { seedExecutions } from "../archive/seed.ts";

type TrimRow = { node_runs: number; last_created_at: string; last_execution_id: string };
const db = useTestDatabase();
let teamId: string;
let otherTeamId: string;
let heldId: string;
const at = new Date(Date.now() - 60_000);
type Due = { execution_id: string; execution_created_at: string; node_name: string; attempt: number; bytes_freed: string };
const due = async (team: string, c: { query: typeof db.pool.query } = db.pool) => (await c.query<Due>(`
  select execution_id, execution_created_at::text, node_name, attempt, bytes_freed from app_private.lifecycle_trim_due(30, $1, $2)
   order by execution_created_at, execution_id, node_name, attempt`, [team, at])).rows;

beforeAll(async () => {
  const s = await seedExecutions(db.pool, { workflows: 2, daysAgo: [20, 12, 6, 1], perDay: 15, nodeRuns: 4 });
  teamId = s.teamId;
  otherTeamId = (await seedExecutions(db.pool, { workflows: 1, daysAgo: [20, 6], perDay: 10, nodeRuns: 4 })).teamId;
  await db.pool.query(`insert into app_public.retention_policies (team_id, workflow_id, hot_days, cold_days, node_output, node_output_after_days, node_output_max_bytes)
    values ($1, null, 30, 365, 'trim', 3, 16), ($1, $2, 30, 365, 'drop', 3, null), ($3, null, 30, 365, 'keep', null, null)`, [teamId, s.workflowIds[1], otherTeamId]);
  heldId = (await db.pool.query("select id from app_public.executions where team_id = $1 and created_at < now() - interval '11 days' order by created_at desc limit 1", [teamId])).rows[0].id;
  await placeLegalHold(db.pool, { teamId, executionId: heldId, reason: "audit" });
}, 120_000);

describe("lifecycle: trimming in batches", { timeout: 120_000 }, () => {
  it("one call trims exactly max_rows of the due node runs, oldest first, and returns where the next starts", async () => {
    const before = await due(teamId);
    // 3 days old and more: 45 executions of 4 node runs, minus the held one
    expect(before).toHaveLength((45 - 1) * 4);
    expect(before.map((d) => d.execution_id)).not.toContain(heldId);
    const c = await db.pool.connect();
    try {
      await c.query("begin");
      const { rows } = await c.query("select * from app_private.lifecycle_trim_node_outputs(30, 7, null, $1)", [at]);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ team_id: teamId, node_runs: 7, bytes_freed: String(before.slice(0, 7).reduce((s, d) => s + Number(d.bytes_freed), 0)) });
      expect(rows[0].last_execution_id).toBe(before[6]!.execution_id);
      const after = await due(teamId, c);
      expect(after).toEqual(before.slice(7));
      // the next call from that position takes the next 7 (the position's execution is taken again: its rest)
      const { rows: [r2] } = await c.query("select * from app_private.lifecycle_trim_node_outputs(30, 7, null, $1, $2, $3)", [at, rows[0].last_created_at, rows[0].last_execution_id]);
      expect(r2.node_runs).toBe(7);
      expect(await due(teamId, c)).toEqual(before.slice(14));
      await expect(c.query("select * from app_private.lifecycle_trim_node_outputs(30, 7, null, $1, $1, null)", [at]))
        .rejects.toMatchObject({ code: "LFVAL" });
    } finally {
      await c.query("rollback");
      c.release();
    }
    expect(await due(teamId)).toEqual(before);
  });

  it("a window of the due list holds exactly the due node runs of the executions in that window", async () => {
    const all = await due(teamId);
    const from = all[10]!;
    const before = new Date(Date.now() - 9 * 86_400_000);
    const window = (args: string) => db.pool.query<Due>(`
      select execution_id, execution_created_at::text, node_name, attempt, bytes_freed from ${args}
       order by execution_created_at, execution_id, node_name, attempt`, [teamId, at, from.execution_created_at, from.execution_id, before]);
    const { rows } = await window("app_private.lifecycle_trim_due(30, $1, $2, $3::timestamptz, $4::uuid, $5::timestamptz) d");
    // from the execution (inclusive) to the window's end: the same rows as the whole list has there
    const { rows: inWindow } = await window(`app_private.lifecycle_trim_due(30, $1, $2) d
       where (d.execution_created_at, d.execution_id) >= ($3::timestamptz, $4::uuid) and d.execution_created_at < $5::timestamptz`);
    expect(inWindow.length).toBeGreaterThan(0);
    expect(inWindow.length).toBeLessThan(all.length - 10);
    expect(rows).toEqual(inWindow);
  });

  it("many calls on one connection (past the point where PostgreSQL would switch to a generic plan) still take the due rows in order", async () => {
    const before = await due(teamId);
    const c = await db.pool.connect();
    try {
      await c.query("begin");
      let after: [string, string] | [null, null] = [null, null];
      let taken = 0;
      for (let i = 0; i < 8; i++) {
        const res = await c.query<TrimRow>(
          "select node_runs, last_created_at::text, last_execution_id from app_private.lifecycle_trim_node_outputs(30, 3, null, $1, $2, $3)", [at, ...after]);
        const rows: TrimRow[] = res.rows;
        taken += rows.reduce((s: number, r: TrimRow) => s + r.node_runs, 0);
        after = [rows[0]!.last_created_at, rows[0]!.last_execution_id];
      }
      expect(taken).toBe(24);
      expect(await due(teamId, c)).toEqual(before.slice(24));
    } finally {
      await c.query("rollback");
      c.release();
    }
  });

  it("chained calls trim exactly the due set with its bytes; the held execution and the other team stay as they are", async () => {
    const before = await due(teamId);
    const heldOutputs = (await db.pool.query("select array_agg(output order by node_name) as o from app_public.execution_node_runs where execution_id = $1", [heldId])).rows[0].o;
    const otherBefore = (await db.pool.query("select md5(string_agg(output::text, ',' order by execution_id, node_name)) as h from app_public.execution_node_runs where team_id = $1", [otherTeamId])).rows[0].h;
    const report = await runTrim(db.pool, { defaultHotDays: 30, maxRows: 13, asOf: at });
    expect(report.nodeRuns).toBe(before.length);
    expect(report.bytesFreed).toBe(before.reduce((s, d) => s + Number(d.bytes_freed), 0));
    expect(await due(teamId)).toEqual([]);
    const { rows: trimmed } = await db.pool.query(`
      select execution_id, execution_created_at::text, node_name, attempt from app_public.execution_node_runs
       where team_id = $1 and output ? '$trimmed' order by execution_created_at, execution_id, node_name, attempt`, [teamId]);
    expect(trimmed).toEqual(before.map(({ bytes_freed: _, ...k }) => k));
    expect((await db.pool.query("select array_agg(output order by node_name) as o from app_public.execution_node_runs where execution_id = $1", [heldId])).rows[0].o).toEqual(heldOutputs);
    expect((await db.pool.query("select md5(string_agg(output::text, ',' order by execution_id, node_name)) as h from app_public.execution_node_runs where team_id = $1", [otherTeamId])).rows[0].h).toBe(otherBefore);
    expect((await runTrim(db.pool, { defaultHotDays: 30, maxRows: 13, asOf: at })).nodeRuns).toBe(0);
  });
});
