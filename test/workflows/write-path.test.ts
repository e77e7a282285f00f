// What a save and a create write, counted row by row (pg_stat_xact_user_tables of the writing transaction): a
// one-node save writes that node, the workflow row, one version, one document and one event, and nothing else;
// the graph tables' statement triggers leave the workflow being written to its writer, and still guard every
// other write.
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { withTransaction } from "../../src/db/transaction.ts";
import { WorkflowRepository } from "../../src/workflows/repository.ts";
import type { WorkflowDefinition } from "../../src/workflows/types.ts";
import { useTestDatabase } from "../harness/db.ts";
import { chain, teamWithRoles, type TeamSetup } from "./helpers.ts";

const db = useTestDatabase();
let t: TeamSetup;
let repo: WorkflowRepository;

beforeAll(async () => {
  t = await teamWithRoles(db.pool);
  repo = new WorkflowRepository(db.pool).asUser(t.editor);
});

type Counts = Record<string, { ins: number; upd: number; del: number }>;

/** The backend's not yet reported row counts per table (this transaction's, plus earlier ones not yet flushed). */
async function counters(c: pg.PoolClient): Promise<Counts> {
  const { rows } = await c.query(`select schemaname || '.' || relname as t, n_tup_ins::int as ins, n_tup_upd::int as upd, n_tup_del::int as del
    from pg_stat_xact_user_tables where schemaname in ('app_public', 'app_private')`);
  return Object.fromEntries(rows.map((r) => [r.t, { ins: r.ins, upd: r.upd, del: r.del }]));
}

/** Rows inserted, updated and deleted by fn, per table it wrote (counted inside one transaction). */
async function written(fn: () => Promise<unknown>): Promise<Counts> {
  return withTransaction(db.pool, async (c) => {
    const before = await counters(c);
    await fn();
    const after = await counters(c);
    const out: Counts = {};
    for (const [t, a] of Object.entries(after)) {
      const b = before[t] ?? { ins: 0, upd: 0, del: 0 };
      const d = { ins: a.ins - b.ins, upd: a.upd - b.upd, del: a.del - b.del };
      if (d.ins || d.upd || d.del) out[t] = d;
    }
    return out;
  });
}

/** The cache jobs pending for a workflow's graph key, and how many times they were enqueued (a job-key upsert
 *  of a pending job bumps its revision). */
async function graphJobs(workflowId: string): Promise<number> {
  const { rows: [r] } = await db.pool.query("select count(*)::int as n from graphile_worker._private_jobs where payload::text like $1", [`%workflows:graph:${workflowId}%`]);
  return r.n;
}
async function graphEnqueues(workflowId: string): Promise<number> {
  const { rows: [r] } = await db.pool.query("select coalesce(sum(revision + 1), 0)::int as n from graphile_worker._private_jobs where payload::text like $1", [`%workflows:graph:${workflowId}%`]);
  return r.n;
}

function withParams(def: WorkflowDefinition, name: string, parameters: Record<string, unknown>): WorkflowDefinition {
  return { ...def, nodes: def.nodes!.map((n) => (n.name === name ? { ...n, parameters } : n)) };
}

describe("what a workflow write touches", () => {
  it("a one-node save of a 200-node workflow writes that node row, the workflow row, a version, the document and an event: nothing else", async () => {
    const def = chain(200);
    const wf = await repo.createWithVersion(t.teamId, def);
    const ids = (await db.pool.query("select name, id from app_public.workflow_nodes where workflow_id = $1", [wf.id])).rows;
    const counts = await written(() => repo.save(wf.id, 1, withParams(def, "N42", { changed: true }), "one node"));
    expect(counts["app_public.workflow_nodes"]).toEqual({ ins: 0, upd: 1, del: 0 });
    expect(counts["app_public.workflow_connections"]).toBeUndefined();
    expect(counts["app_public.workflow_triggers"]).toBeUndefined();
    expect(counts["app_public.workflows"]).toEqual({ ins: 0, upd: 1, del: 0 });
    expect(counts["app_public.workflow_versions"]).toEqual({ ins: 1, upd: 0, del: 0 });
    expect(counts["app_private.workflow_graph_documents"]).toEqual({ ins: 0, upd: 1, del: 0 }); // stored once, never dropped first
    expect(counts["app_public.events"]).toEqual({ ins: 1, upd: 0, del: 0 });
    // node ids are stable
    expect((await db.pool.query("select name, id from app_public.workflow_nodes where workflow_id = $1", [wf.id])).rows)
      .toEqual(expect.arrayContaining(ids));
  });

  it("a create writes each graph row once and the document once (inserted, never dropped)", async () => {
    const counts = await written(() => repo.createWithVersion(t.teamId, chain(200, { name: "Counted create" })));
    expect(counts["app_public.workflow_nodes"]).toEqual({ ins: 200, upd: 0, del: 0 });
    expect(counts["app_public.workflow_connections"]).toEqual({ ins: 199, upd: 0, del: 0 });
    expect(counts["app_public.workflow_triggers"]).toEqual({ ins: 1, upd: 0, del: 0 });
    expect(counts["app_public.workflows"]).toEqual({ ins: 1, upd: 0, del: 0 });
    expect(counts["app_public.workflow_versions"]).toEqual({ ins: 1, upd: 0, del: 0 });
    expect(counts["app_private.workflow_graph_documents"]).toEqual({ ins: 1, upd: 0, del: 0 });
  });

  it("a save enqueues its graph's cache invalidation once (from the workflow row), however many graph statements it runs", async () => {
    const wf = await repo.createWithVersion(t.teamId, chain(10, { name: "One job" }));
    await db.pool.query("delete from graphile_worker._private_jobs where payload::text like $1", [`%${wf.id}%`]);
    // nodes added, removed and changed, edges and the trigger replaced: five graph statements
    const next: WorkflowDefinition = { ...chain(12, { seed: 3 }), triggers: [{ type: "manual", config: {} }] };
    next.nodes = next.nodes!.filter((n) => n.name !== "N5");
    next.connections = next.connections!.filter((e) => e.source !== "N5" && e.target !== "N5");
    const { name: _keep, ...edit } = next;
    await repo.save(wf.id, 1, edit);
    expect(await graphJobs(wf.id)).toBe(1);
    expect(await graphEnqueues(wf.id)).toBe(1); // enqueued once, not once per graph statement plus once for the row
  });

  it("outside the writer the graph tables' triggers still guard the document and the cache: a direct write drops the document and enqueues", async () => {
    const wf = await repo.createWithVersion(t.teamId, chain(5, { name: "Direct" }));
    await db.pool.query("delete from graphile_worker._private_jobs where payload::text like $1", [`%${wf.id}%`]);
    await withTransaction(db.pool, async (c) => {
      // a save, then in the same transaction a direct write: the writer's setting is over, the triggers apply
      await repo.save(wf.id, 1, withParams(chain(5), "N2", { a: 1 }));
      expect((await c.query("select coalesce(current_setting('linkflow.workflow_writer', true), '') as w")).rows[0].w).toBe("");
      await c.query("update app_public.workflow_nodes set parameters = '{\"direct\": true}' where workflow_id = $1 and name = 'N3'", [wf.id]);
      expect((await c.query("select count(*)::int as n from app_private.workflow_graph_documents where workflow_id = $1", [wf.id])).rows[0].n).toBe(0);
    });
    expect((await repo.getWithNodes(wf.id)).nodes.find((n) => n.name === "N3")!.parameters).toEqual({ direct: true });
    expect(await graphJobs(wf.id)).toBe(1); // the save's and the direct write's invalidations share the job key
    const { rows: [j] } = await db.pool.query("select count(*)::int as n from graphile_worker._private_jobs where payload::text like $1 and key is null", [`%workflows:graph:${wf.id}%`]);
    expect(j.n).toBe(0);
  });

  it("a failed save leaves no writer setting behind and writes nothing", async () => {
    const wf = await repo.createWithVersion(t.teamId, chain(3, { name: "Failed" }));
    await withTransaction(db.pool, async (c) => {
      await c.query("savepoint s");
      // the snapshot passes validation, the write fails inside the writer (a node type the table refuses)
      await expect(c.query("select app_private.workflow_write_graph($1, $2, $3::jsonb)", [wf.id, t.teamId,
        JSON.stringify({ nodes: [{ name: "X", type: "bad type", type_version: 1, parameters: {}, position: [0, 0], disabled: false }], connections: [], triggers: [] })]))
        .rejects.toMatchObject({ code: "23514" });
      await c.query("rollback to savepoint s");
      expect((await c.query("select coalesce(current_setting('linkflow.workflow_writer', true), '') as w")).rows[0].w).toBe("");
    });
    expect((await repo.getWithNodes(wf.id)).nodes.map((n) => n.name)).toEqual(["N1", "N2", "Start"]);
  });
});

describe("ids for new graph rows", () => {
  it("are distinct version-7 UUIDs for any count, across the 64-id random blocks", async () => {
    for (const n of [1, 63, 64, 65, 200, 1000]) {
      const { rows: [r] } = await db.pool.query(`select count(*)::int as n, count(distinct x)::int as d,
          count(*) filter (where substr(x::text, 15, 1) = '7' and substr(x::text, 20, 1) in ('8', '9', 'a', 'b'))::int as v7,
          count(*) filter (where abs(extract(epoch from app_hidden.uuid_v7_time(x) - now())) < 60)::int as recent
        from app_private.uuid_generate_v7_series($1) x`, [n]);
      expect(r).toEqual({ n, d: n, v7: n, recent: n });
    }
  });
});
