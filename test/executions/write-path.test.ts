// The execution write path's physical promises: a state change is a heap-only (HOT) update, and every history
// query of docs/executions.md stays an index scan over the partitions its bounds select (the state lives in no
// index, so state filters ride the team or workflow index newest first).
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { executionsIn, makeWorld, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;

beforeAll(async () => {
  w = await makeWorld(db.pool);
}, 60_000);

/** Sums the update counters of every executions partition, waiting until the writers' stats are flushed. */
async function executionUpdates(atLeast: number): Promise<{ upd: number; hot: number }> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { rows } = await db.pool.query(`
      select coalesce(sum(s.n_tup_upd), 0)::int as upd, coalesce(sum(s.n_tup_hot_upd), 0)::int as hot
        from pg_stat_user_tables s join pg_inherits i on i.inhrelid = s.relid
       where i.inhparent = 'app_public.executions'::regclass`);
    if (rows[0].upd >= atLeast || Date.now() > deadline) return rows[0];
    await new Promise((r) => setTimeout(r, 250));
  }
}

type PlanNode = { "Node Type": string; "Index Name"?: string; "Relation Name"?: string; "Subplans Removed"?: number; Plans?: PlanNode[] };
function nodes(p: PlanNode): PlanNode[] { return [p, ...(p.Plans ?? []).flatMap(nodes)]; }

describe("executions: the write path", () => {
  it("makes state changes heap-only updates (n_tup_hot_upd), single moves and batches alike", async () => {
    const c = new pg.Client({ connectionString: db.ownerUrl });
    await c.connect();
    try {
      const before = await executionUpdates(0);
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) {
        const { rows } = await c.query("select id from app_private.start_execution($1, 'manual', null, null, null, false)", [w.workflow.id]);
        ids.push(rows[0].id);
      }
      // single moves (the lean path): queued, running, succeeded for each
      for (const id of ids) {
        for (const s of ["queued", "running", "succeeded"]) {
          await c.query("select 1 from app_private.transition_execution($1, $2, null, null, null, false)", [id, s]);
        }
      }
      await c.query("select pg_stat_force_next_flush()");
      const singles = await executionUpdates(before.upd + 180);
      // batches: 40 more executions, each moved through four states in one call (one update per row)
      await executionsIn(w.service, w.workflow.id, Array(40).fill("succeeded"));
      const after = await executionUpdates(singles.upd + 40);
      // Fillfactor 50 leaves room for one more version of each row on its page; further updates fit once the page
      // is pruned, which needs the previous versions dead to every snapshot. On a quiet cluster every move is HOT;
      // on a busy shared one (old snapshots anywhere delay the horizon) some pages are pruned too late: most, not all.
      for (const [label, from, to, n, min] of [["single moves", before, singles, 180, 0.5], ["batched moves", singles, after, 40, 0.7]] as const) {
        const upd = to.upd - from.upd;
        const hot = to.hot - from.hot;
        console.log(`${label}: ${hot} of ${upd} updates were heap-only`);
        expect(upd, label).toBeGreaterThanOrEqual(n);
        expect(hot / upd, `${label}: ${hot} of ${upd} updates were HOT`).toBeGreaterThan(min);
      }
    } finally {
      await c.end();
    }
  }, 120_000);

  it("has no index on the state, so a move that leaves output and error alone changes no indexed column", async () => {
    const { rows } = await db.pool.query(`
      select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
        from pg_index i where i.indrelid = 'app_public.executions'::regclass`);
    expect(rows.length).toBeGreaterThan(0);
    for (const col of ["state", "attempt", "version", "started_at", "finished_at", "duration_ms", "updated_at"]) {
      expect(rows.filter((r) => new RegExp(`\\b${col}\\b`).test(r.def.replace(/^.*USING btree/, ""))), col).toEqual([]);
    }
    // output and error carry the search's content indexes (docs/search.md): partial GIN indexes of the rows that
    // have them, so the move that writes them (the finishing one) is the only move that is not heap-only
    for (const col of ["output", "error"]) {
      const on = rows.filter((r) => new RegExp(`\\b${col}\\b`).test(r.def.replace(/^.*USING btree/, "")));
      expect(on.length, col).toBeGreaterThan(0);
      for (const r of on) expect(r.def, r.name).toMatch(new RegExp(`USING gin .*WHERE \\(${col} IS NOT NULL\\)`));
    }
    const ff = await db.pool.query(`
      select count(*) filter (where c.reloptions is null or not ('fillfactor=50' = any (c.reloptions)))::int as without
        from pg_inherits i join pg_class c on c.oid = i.inhrelid where i.inhparent = 'app_public.executions'::regclass`);
    expect(ff.rows[0].without).toBe(0);
    // new partitions get it too
    await db.pool.query("select count(*) from app_private.ensure_partitions_between(current_date + 30, current_date + 30)");
    const fresh = await db.pool.query(`select c.reloptions from pg_class c where c.relname = 'executions_p' || to_char(current_date + 30, 'YYYYMMDD')`);
    expect(fresh.rows[0].reloptions).toContain("fillfactor=50");
  });

  it("serves every history query shape with index scans over the pruned partitions only (EXPLAIN, generic plans)", async () => {
    await db.pool.query("select count(*) from app_private.ensure_partitions_between(current_date - 4, current_date)");
    const { rows: [v] } = await db.pool.query("select current_version from app_public.workflows where id = $1", [w.workflow.id]);
    await db.pool.query(`
      insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, attempt, version)
      select x.id, app_hidden.uuid_v7_time(x.id), $1, $2, $3, x.state, 'webhook', 1, 4
        from (select app_private.uuid_v7_at(now() - interval '4 days' + g * interval '1 second' * 17) as id,
                     (array['succeeded','succeeded','succeeded','failed','running','cancelled','waiting'])[1 + g % 7] as state
                from generate_series(1, 20000) g) x`, [w.team.id, w.workflow.id, v.current_version]);
    await db.pool.query("analyze app_public.executions");
    // The four static queries of app_private.execution_history, as its generic plans see them.
    const cursor = "and e.created_at >= $4 and e.created_at < $5 and (e.created_at, e.id) < ($6, $7) order by e.created_at desc, e.id desc limit $8";
    const shapes: Record<string, { sql: string; index: string }> = {
      workflow_state: { sql: `select e.* from app_public.executions e where e.workflow_id = $2 and e.state = $3 and ($1::uuid is null or e.team_id = $1) ${cursor}`, index: "workflow_id_created_at" },
      workflow: { sql: `select e.* from app_public.executions e where e.workflow_id = $2 and ($3::text is null or true) and ($1::uuid is null or e.team_id = $1) ${cursor}`, index: "workflow_id_created_at" },
      team_state: { sql: `select e.* from app_public.executions e where e.team_id = $1 and e.state = $3 and $2::uuid is null ${cursor}`, index: "team_id_created_at" },
      team: { sql: `select e.* from app_public.executions e where e.team_id = $1 and ($2::uuid is null or true) and ($3::text is null or true) ${cursor}`, index: "team_id_created_at" },
    };
    const c = new pg.Client({ connectionString: db.ownerUrl });
    await c.connect();
    try {
      await c.query("set plan_cache_mode = force_generic_plan");
      const day = 86400_000;
      const ranges: [string, Date, Date, number][] = [
        ["unbounded", new Date(0), new Date(Date.now() + 365 * day), 0],
        ["one day", new Date(Date.now() - 2 * day), new Date(Date.now() - day), 1],
      ];
      for (const [name, { sql, index }] of Object.entries(shapes)) {
        await c.query(`prepare ${name} (uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer) as ${sql}`);
        for (const [label, lo, hi, expectParts] of ranges) {
          const args = [w.team.id, name.startsWith("workflow") ? w.workflow.id : null, name.endsWith("state") ? "failed" : null,
            lo.toISOString(), hi.toISOString(), "infinity", "ffffffff-ffff-ffff-ffff-ffffffffffff", 50];
          const literals = args.map((a) => (a === null ? "null" : c.escapeLiteral(String(a)))).join(", ");
          const { rows } = await c.query(`explain (analyze, format json) execute ${name} (${literals})`);
          const all = nodes(rows[0]["QUERY PLAN"][0].Plan);
          const scans = all.filter((n) => /Scan/.test(n["Node Type"]));
          expect(scans.length, `${name} ${label}`).toBeGreaterThan(0);
          for (const s of scans) {
            expect(s["Node Type"], `${name} ${label}: ${JSON.stringify(s["Relation Name"])}`).toMatch(/^Index (Only )?Scan$/);
            expect(s["Index Name"], `${name} ${label}`).toContain(index);
          }
          if (expectParts) {
            // pruned at executor start: only the partitions the range covers are scanned
            expect(scans.length, `${name} ${label}`).toBeLessThanOrEqual(expectParts + 1);
          }
        }
      }
    } finally {
      await c.end();
    }
    // and the function returns the right rows for a state filter
    const page = await w.service.asUser(w.viewer.id).history({ teamId: w.team.id, state: "failed", limit: 50 });
    expect(page.items.length).toBe(50);
    expect(page.items.every((e) => e.state === "failed")).toBe(true);
  }, 120_000);
});
