import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import {
  EventStore, type Projection, ProjectionManager, projectionLag, projectionMetricsText, readModelDrift,
  readModelProjections, rebuildProjection,
} from "../../src/events/index.ts";
import driftTask from "../../tasks/projection_drift_check.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser } from "../harness/fixtures.ts";
import { inProcessGraphQL } from "../harness/graphql.ts";
import { waitFor } from "./wait.ts";
import { changeStatus, createExecution, createWorkflow, deleteWorkflow, moveExecution, saveWorkflow } from "./workload.ts";

const db = useTestDatabase();
const managers: ProjectionManager[] = [];
afterAll(async () => { await Promise.all(managers.map((m) => m.stop())); });

async function startManager(opts: Partial<ConstructorParameters<typeof ProjectionManager>[0]> = {}): Promise<ProjectionManager> {
  const m = new ProjectionManager({ connectionString: db.ownerUrl, projections: readModelProjections(), batchSize: 200, pollIntervalMs: 100, standbyRetryMs: 200, ...opts });
  managers.push(m);
  await m.start();
  return m;
}

const READ_MODELS = ["workflow_list", "execution_daily_stats", "team_activity"];
async function caughtUp(names = READ_MODELS): Promise<void> {
  await waitFor(() => projectionLag(db.pool), (lag) => lag.length > 0 && lag.filter((l) => names.includes(l.projection)).every((l) => l.eventsBehind === 0), 150_000, 50);
}

async function tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await db.pool.connect();
  try {
    await c.query("begin");
    const r = await fn(c);
    await c.query("commit");
    return r;
  } catch (e) {
    await c.query("rollback");
    throw e;
  } finally {
    c.release();
  }
}

async function snapshotReadModels(): Promise<Record<string, unknown[]>> {
  const q = async (sql: string) => (await db.pool.query(sql)).rows;
  return {
    workflow_list: await q("select * from app_public.workflow_list order by workflow_id"),
    daily: await q("select workflow_id, day, team_id, created_count, succeeded_count, failed_count, cancelled_count, finished_count, total_duration_ms, max_duration_ms from app_public.workflow_execution_daily_stats order by workflow_id, day"),
    activity: await q("select * from app_public.team_activity order by id"),
  };
}

async function randomWork(teamId: string, ops: number, actor: string | null, allowDelete = true): Promise<void> {
  const wfs: string[] = (await db.pool.query("select id from app_public.workflows where team_id = $1", [teamId])).rows.map((r) => r.id);
  const execs: { id: string; state: string; wf: string }[] = (await db.pool.query("select id, state, workflow_id as wf from app_public.executions where team_id = $1 and state not in ('succeeded','failed','cancelled','timed_out','crashed')", [teamId])).rows;
  const NEXT: Record<string, string[]> = { pending: ["running", "cancelled"], queued: ["running"], running: ["succeeded", "failed", "waiting", "timed_out"], waiting: ["running", "cancelled"] };
  for (let i = 0; i < ops; i++) {
    const r = Math.random();
    await tx(async (c) => {
      if (r < 0.15 || wfs.length === 0) wfs.push(await createWorkflow(c, teamId, `wf ${randomUUID().slice(0, 8)}`, actor));
      else if (r < 0.25) await saveWorkflow(c, wfs[Math.floor(Math.random() * wfs.length)]!, `renamed ${i}`, actor);
      else if (r < 0.32) await changeStatus(c, wfs[Math.floor(Math.random() * wfs.length)]!, ["active", "inactive", "archived"][i % 3]!, actor);
      else if (r < 0.34 && allowDelete && wfs.length > 3) {
        // deleting a workflow deletes its executions (cascade): stop moving them
        const gone = wfs.splice(Math.floor(Math.random() * wfs.length), 1)[0]!;
        await deleteWorkflow(c, gone, actor);
        execs.splice(0, execs.length, ...execs.filter((x) => x.wf !== gone));
      } else if (r < 0.6 || execs.length === 0) {
        const wf = wfs[Math.floor(Math.random() * wfs.length)]!;
        execs.push({ id: await createExecution(c, wf, actor), state: "pending", wf });
      }
      else {
        const k = Math.floor(Math.random() * execs.length);
        const e = execs[k]!;
        const to = NEXT[e.state]![Math.floor(Math.random() * NEXT[e.state]!.length)]!;
        await moveExecution(c, e.id, to, actor);
        e.state = to;
        if (!NEXT[to]) execs.splice(k, 1);
      }
    });
  }
}

// Visibility waits on the cluster-wide horizon: another session's long writer can stall it (see docs/events.md).
describe("projections", { timeout: 240_000 }, () => {
  it("rebuilding an empty store (or one with no matching events) terminates", async () => {
    expect(Number((await db.pool.query("select count(*) from app_public.events")).rows[0].count)).toBe(0);
    for (const p of readModelProjections()) {
      const r = await rebuildProjection({ connectionString: db.ownerUrl, projection: p });
      expect(r.events).toBe(0);
    }
    expect((await projectionLag(db.pool)).map((l) => l.projection).sort()).toEqual(["execution_daily_stats", "team_activity", "workflow_list"]);
  });

  it("builds the workflow list, daily execution statistics and team activity from contract events; GraphQL serves them under RLS by team", async () => {
    const alice = await makeUser(db.pool);
    const bob = await makeUser(db.pool);
    const teamA = await makeTeam(db.pool, [{ userId: alice.id, role: "editor" }]);
    const teamB = await makeTeam(db.pool, [{ userId: bob.id, role: "editor" }]);
    await startManager();
    const wf = await tx((c) => createWorkflow(c, teamA.id, "Billing sync", alice.id));
    await tx((c) => saveWorkflow(c, wf, "Billing sync v2", alice.id));
    await tx((c) => changeStatus(c, wf, "active", alice.id));
    const e1 = await tx((c) => createExecution(c, wf, alice.id));
    const e2 = await tx((c) => createExecution(c, wf, alice.id));
    const e3 = await tx((c) => createExecution(c, wf, alice.id));
    for (const [e, path] of [[e1, ["running", "succeeded"]], [e2, ["running", "failed"]], [e3, ["running"]]] as const) {
      for (const to of path) await tx((c) => moveExecution(c, e, to, alice.id));
    }
    const other = await tx((c) => createWorkflow(c, teamB.id, "Team B flow", bob.id));
    const gone = await tx((c) => createWorkflow(c, teamA.id, "Temporary", alice.id));
    await tx((c) => deleteWorkflow(c, gone, alice.id));
    await caughtUp();

    const { rows: [row] } = await db.pool.query("select * from app_public.workflow_list where workflow_id = $1", [wf]);
    expect(row).toMatchObject({ team_id: teamA.id, name: "Billing sync v2", status: "active", version: 2, execution_count: "3",
      succeeded_count: "1", failed_count: "1", cancelled_count: "0", success_rate: "0.5000", last_execution_id: e3, last_execution_state: "running" });
    expect((await db.pool.query("select 1 from app_public.workflow_list where workflow_id = $1", [gone])).rowCount).toBe(0);
    const { rows: daily } = await db.pool.query("select * from app_public.workflow_execution_daily_stats where workflow_id = $1", [wf]);
    expect(daily).toHaveLength(1);
    expect(daily[0]).toMatchObject({ created_count: "3", succeeded_count: "1", failed_count: "1", finished_count: "2" });
    const { rows: feed } = await db.pool.query("select event_type, summary, actor_id from app_public.team_activity where team_id = $1 order by occurred_at, id", [teamA.id]);
    expect(feed[0]).toMatchObject({ event_type: "WorkflowCreated", summary: 'Workflow "Billing sync" created', actor_id: alice.id });
    expect(feed.map((f) => f.event_type)).toContain("ExecutionStateChanged");
    expect(await readModelDrift(db.pool)).toEqual([]);

    const gql = inProcessGraphQL(db);
    try {
      const q = `{ workflowLists { nodes { workflowId name status lastExecutionState executionCount successRate } }
                   workflowExecutionDailyStats { nodes { workflowId createdCount } }
                   teamActivities(first: 50) { nodes { eventType summary } } }`;
      const asAlice = await gql.query(q, {}, alice.id);
      expect(asAlice.errors).toBeUndefined();
      expect(asAlice.data.workflowLists.nodes.map((n: { workflowId: string }) => n.workflowId)).toEqual([wf]);
      expect(asAlice.data.workflowLists.nodes[0]).toMatchObject({ name: "Billing sync v2", lastExecutionState: "running", executionCount: "3", successRate: "0.5000" });
      expect(asAlice.data.workflowExecutionDailyStats.nodes).toHaveLength(1);
      const asBob = await gql.query(q, {}, bob.id);
      expect(asBob.data.workflowLists.nodes.map((n: { workflowId: string }) => n.workflowId)).toEqual([other]);
      expect(asBob.data.teamActivities.nodes).toHaveLength(1);
      const anon = await gql.query("{ workflowLists { nodes { workflowId } } }", {}, null);
      expect(anon.data?.workflowLists?.nodes ?? []).toEqual([]);
    } finally {
      await gql.release();
    }
  });

  it("a poison event goes to the dead-letter table with its error and the projection keeps going", async () => {
    const team = await makeTeam(db.pool);
    await startManager();
    const wf = await tx((c) => createWorkflow(c, team.id, "Poisoned", null));
    // an actor that is not a uuid breaks team_activity's insert (invalid input for type uuid)
    const store = new EventStore(db.pool);
    await store.append(`workflow-${wf}`, "workflow", [{ type: "WorkflowStatusChanged", data: { workflow_id: wf, team_id: team.id, status: "active", previous_status: "draft", version: 1 }, metadata: { actor: "not-a-uuid" } }], { teamId: team.id });
    await tx((c) => saveWorkflow(c, wf, "After poison", null));
    await caughtUp();
    const { rows: dead } = await db.pool.query("select * from app_private.projection_dead_letters where stream_id = $1", [`workflow-${wf}`]);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ projection: "team_activity", type: "WorkflowStatusChanged", sqlstate: "22P02" });
    expect(dead[0].error).toMatch(/uuid/);
    // the other projections applied it, and everyone went on
    expect((await db.pool.query("select name, status from app_public.workflow_list where workflow_id = $1", [wf])).rows[0]).toEqual({ name: "After poison", status: "draft" });
    expect((await db.pool.query("select count(*)::int as n from app_public.team_activity where stream_id = $1", [`workflow-${wf}`])).rows[0].n).toBe(2);
    expect((await projectionLag(db.pool)).find((l) => l.projection === "team_activity")!.deadLetters).toBeGreaterThanOrEqual(1);
  });

  it("exactly one runner per projection is active across managers; a standby takes over when the active one stops", async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    const a = await startManager();
    const b = await startManager();
    await waitFor(async () => [...a.status(), ...b.status()].filter((s) => s.active).map((s) => s.name).sort(),
      (names) => names.join() === "execution_daily_stats,team_activity,workflow_list");
    const { rows } = await db.pool.query(
      "select count(*)::int as n from pg_locks where locktype = 'advisory' and classid = 41001 and granted and database = (select oid from pg_database where datname = current_database())");
    expect(rows[0].n).toBe(3);
    const activeIn = (m: ProjectionManager) => m.status().filter((s) => s.active).length;
    expect(activeIn(a) + activeIn(b)).toBe(3);
    const [holder, standby] = activeIn(a) > 0 ? [a, b] : [b, a];
    await holder.stop();
    managers.splice(managers.indexOf(holder), 1);
    const team = await makeTeam(db.pool);
    const wf = await tx((c) => createWorkflow(c, team.id, "After failover", null));
    await waitFor(() => db.pool.query("select 1 from app_public.workflow_list where workflow_id = $1", [wf]), (r) => r.rowCount === 1);
    expect(activeIn(standby)).toBe(3);
  });

  it("wakes on NOTIFY from appends without waiting for the polling interval", async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    const m = await startManager({ pollIntervalMs: 600_000 });
    await waitFor(async () => m.status().every((s) => s.active), (x) => x);
    await m.drain();
    const team = await makeTeam(db.pool);
    const wf = await tx((c) => createWorkflow(c, team.id, "Notified", null));
    // each append notifies; the horizon is cluster-wide, so keep appending until the first is visible
    await waitFor(async () => {
      await tx((c) => saveWorkflow(c, wf, "Notified again", null));
      return (await db.pool.query("select 1 from app_public.workflow_list where workflow_id = $1", [wf])).rowCount;
    }, (n) => n === 1, 150_000, 300);
    expect(m.notifications).toBeGreaterThan(0);
  });

  it("a restart mid-batch resumes with no gap and no duplicate effect", async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    await db.pool.query("create table if not exists app_private.test_counts (stream_id text primary key, n integer not null)");
    let gate: (() => void) | null = null;
    let killedPid: number | null = null;
    let batches = 0;
    const counter: Projection = {
      name: "test_counter",
      tables: [],
      needsEvents: true,
      async handle(batch, ctx) {
        // Count only batches holding count- events: earlier tests in this file leave a varying number of
        // other events ahead of them (the NOTIFY test appends until it sees a wake-up).
        const counted = batch.events.filter((e) => e.streamId.startsWith("count-"));
        if (counted.length) batches++;
        for (const [i, e] of counted.entries()) {
          await ctx.client.query("insert into app_private.test_counts values ($1, 1) on conflict (stream_id) do update set n = test_counts.n + 1", [e.streamId]);
          if (batches === 3 && i === 2 && killedPid === null) {
            const { rows } = await ctx.client.query("select pg_backend_pid() as pid");
            killedPid = rows[0].pid;
            await new Promise<void>((r) => { gate = r; }); // the test kills this backend now
          }
        }
      },
      async reset() { await db.pool.query("truncate app_private.test_counts"); },
    };
    const store = new EventStore(db.pool);
    for (let s = 0; s < 10; s++) {
      await store.append(`count-${s}`, "count", Array.from({ length: 15 }, () => ({ type: "Tick", data: {} })));
    }
    const first = new ProjectionManager({ connectionString: db.ownerUrl, projections: [counter], batchSize: 10, pollIntervalMs: 50, standbyRetryMs: 100 });
    await first.start();
    await waitFor(async () => gate !== null, (x) => x, 30_000);
    await db.pool.query("select pg_terminate_backend($1)", [killedPid]);
    (gate as unknown as () => void)();
    await first.stop(); // the "process" dies; its half-applied batch was rolled back with the connection
    const second = new ProjectionManager({ connectionString: db.ownerUrl, projections: [counter], batchSize: 10, pollIntervalMs: 50, standbyRetryMs: 100 });
    managers.push(second);
    await second.start();
    await waitFor(() => projectionLag(db.pool), (lag) => lag.find((l) => l.projection === "test_counter")?.eventsBehind === 0);
    const { rows } = await db.pool.query("select stream_id, n from app_private.test_counts order by stream_id");
    expect(rows).toEqual(Array.from({ length: 10 }, (_, s) => ({ stream_id: `count-${s}`, n: 15 })).sort((a, b) => a.stream_id.localeCompare(b.stream_id)));
    await second.stop();
    managers.splice(managers.indexOf(second), 1);
  }, 240_000);

  it("rebuild during concurrent appends equals a from-scratch replay, and queries never see a half-built model", async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    const actor = await makeUser(db.pool);
    const team = await makeTeam(db.pool, [{ userId: actor.id, role: "owner" }]);
    await startManager();
    await randomWork(team.id, 80, actor.id, false);
    await caughtUp();
    const base = Number((await db.pool.query("select count(*) from app_public.workflow_list")).rows[0].count);
    let appending = true;
    let minSeen = Infinity;
    const appender = (async () => { while (appending) await randomWork(team.id, 5, actor.id, false); })();
    const watcher = (async () => {
      while (appending) {
        const n = Number((await db.pool.query("select count(*) from app_public.workflow_list")).rows[0].count);
        minSeen = Math.min(minSeen, n);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    for (const p of readModelProjections()) {
      const r = await rebuildProjection({ connectionString: db.ownerUrl, projection: p, batchSize: 50 });
      expect(r.events).toBeGreaterThan(0);
    }
    await new Promise((r) => setTimeout(r, 300));
    appending = false;
    await Promise.all([appender, watcher]);
    expect(minSeen).toBeGreaterThanOrEqual(base); // never empty or half-built while rebuilding
    await caughtUp();
    const live = await snapshotReadModels();
    expect(await readModelDrift(db.pool)).toEqual([]);
    // from scratch, quiescent
    for (const p of readModelProjections()) await rebuildProjection({ connectionString: db.ownerUrl, projection: p });
    await caughtUp();
    expect(await snapshotReadModels()).toEqual(live);
    expect((await db.pool.query("select count(*)::int as n from app_private.projection_rebuilds")).rows[0].n).toBe(0);
  }, 240_000);

  it("a rebuild replays into a shadow without its plain indexes and swaps in a table indexed like the live one, also after an interrupted rebuild", async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    const actor = await makeUser(db.pool);
    const team = await makeTeam(db.pool, [{ userId: actor.id, role: "owner" }]);
    await startManager();
    await randomWork(team.id, 30, actor.id);
    // index definitions without their names (names alternate between blue and green)
    const indexes = async (schema: string, table: string) => (await db.pool.query(
      `select regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \\S+ ON \\S+ ', '\\1') as def from pg_indexes where schemaname = $1 and tablename = $2 order by 1`,
      [schema, table])).rows.map((r) => r.def as string);
    const tables = { workflow_list: "workflow_list", execution_daily_stats: "workflow_execution_daily_stats", team_activity: "team_activity" } as const;
    const before = Object.fromEntries(await Promise.all(Object.values(tables).map(async (t) => [t, await indexes("app_public", t)])));
    expect(before.workflow_list!.length).toBeGreaterThan(1);
    for (const p of readModelProjections()) {
      const table = tables[p.name as keyof typeof tables];
      // a rebuild that dies mid-replay leaves its shadow without the plain indexes ...
      let shadowDuringReplay: string[] = [];
      await expect(rebuildProjection({ connectionString: db.ownerUrl, projection: p, batchSize: 5, onBatch: async () => {
        shadowDuringReplay = await indexes("app_private", `${table}__shadow`);
        throw new Error("rebuild interrupted");
      } })).rejects.toThrow("rebuild interrupted");
      expect(shadowDuringReplay.length).toBeGreaterThan(0);
      expect(shadowDuringReplay.every((d) => d.startsWith("UNIQUE "))).toBe(true);
      expect(await indexes("app_public", table)).toEqual(before[table]);
      // ... and the next rebuilds (two swaps: both index names of each pair) swap in fully indexed tables
      for (let round = 0; round < 2; round++) {
        const r = await rebuildProjection({ connectionString: db.ownerUrl, projection: p, batchSize: 7 });
        expect(r.events).toBeGreaterThan(0);
        expect(await indexes("app_public", table)).toEqual(before[table]);
        expect(await indexes("app_private", `${table}__shadow`)).toEqual(before[table]);
      }
    }
    await caughtUp();
    expect(await readModelDrift(db.pool)).toEqual([]);
    expect((await db.pool.query("select count(*)::int as n from app_private.projection_rebuilds")).rows[0].n).toBe(0);
  }, 240_000);

  it("reports lag in events and seconds, metrics text, and drift through the drift task", async () => {
    await Promise.all(managers.splice(0).map((m) => m.stop()));
    const team = await makeTeam(db.pool);
    const wf = await tx((c) => createWorkflow(c, team.id, "Lagging", null));
    await new Promise((r) => setTimeout(r, 50));
    const lag = await waitFor(() => projectionLag(db.pool), (l) => l.every((x) => x.projection === "test_counter" || x.eventsBehind >= 1));
    expect(lag.find((l) => l.projection === "workflow_list")!.lagSeconds).toBeGreaterThan(0);
    expect(await projectionMetricsText(db.pool)).toMatch(/linkflow_projection_lag_events\{projection="workflow_list"\} \d+/);
    expect((await db.pool.query("select * from app_private.projection_lag_metrics")).rowCount).toBeGreaterThanOrEqual(3);
    expect((await db.pool.query("select oldest_running_xid_age from app_private.event_store_horizon_metrics")).rowCount).toBe(1);
    await startManager();
    await caughtUp();
    const helpers = { query: (sql: string, v?: unknown[]) => db.pool.query(sql, v), logger: { info() {}, warn() {}, error() {} } } as never;
    await driftTask({}, helpers);
    await db.pool.query("update app_public.workflow_list set name = 'tampered' where workflow_id = $1", [wf]);
    const drift = await readModelDrift(db.pool);
    expect(drift).toEqual([expect.objectContaining({ readModel: "workflow_list", key: wf, problem: "fields" })]);
    await db.pool.query("delete from app_private.projection_checkpoints where name = 'test_counter'");
    await expect(driftTask({}, helpers)).rejects.toThrow(/read-model drift/);
  });
});
