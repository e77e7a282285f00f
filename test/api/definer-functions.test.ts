// Policy helpers and SECURITY DEFINER functions, called as the visitor role by a user of another team:
// nothing of the first team comes back, nothing of it changes, and no lock on its rows is taken before the
// access check. The functions under test are read from pg_proc (every SECURITY DEFINER function the visitor
// may execute), so a function added later is covered without touching this file.
import { beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser } from "../harness/fixtures.ts";

const db = useTestDatabase();

interface Fn { signature: string; schema: string; name: string; args: { name: string; type: string }[] }
interface World {
  teamA: string; ownerA: string; memberA: string; deletedA: string; emailA: string; workflowA: string; executionA: string; nodeA: string;
  outsider: string; teamB: string;
  /** Every id and marker string of team A (what must never come back to the outsider). */
  secrets: string[];
}
let w: World;
let fns: Fn[];

const MARK = "SECRET-OF-TEAM-A";
const UUIDS = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Runs fn as the visitor inside the current savepoint; on success back to the owner role (an error aborts the
 * savepoint, and rolling it back restores the role). */
async function asVisitor<T>(client: pg.PoolClient, userId: string, fn: () => Promise<T>): Promise<T> {
  await client.query("select set_config('role', 'linkflow_visitor', true), set_config('jwt.claims.user_id', $1, true)", [userId]);
  const out = await fn();
  await client.query("reset role");
  return out;
}

beforeAll(async () => {
  const ownerA = await makeUser(db.pool, { name: `${MARK} owner` });
  const memberA = await makeUser(db.pool, { name: `${MARK} member` });
  const deletedA = await makeUser(db.pool, { name: `${MARK} deleted` });
  const outsider = await makeUser(db.pool, { name: "Outsider" });
  const teamA = await makeTeam(db.pool, [{ userId: ownerA.id, role: "owner" }, { userId: memberA.id, role: "editor" }, { userId: deletedA.id, role: "viewer" }]);
  const teamB = await makeTeam(db.pool, [{ userId: outsider.id, role: "owner" }]);
  await db.pool.query("update app_public.teams set name = $2 where id = $1", [teamA.id, `${MARK} team`]);
  await db.pool.query("update app_public.users set deleted_at = now() where id = $1", [deletedA.id]);
  // Team A's workflow, execution and node run, made through the SQL API as its owner.
  const made = await db.asUser(ownerA.id, async (c) => {
    const definition = {
      name: `${MARK} workflow`,
      nodes: [{ name: "Start", type: "trigger.schedule", parameters: { secret: MARK } }, { name: "Step", type: "http.request", parameters: { url: "https://a.example" } }],
      connections: [{ source: "Start", target: "Step" }],
      triggers: [{ type: "schedule", config: { cron: "*/5 * * * *" }, node: "Start" }],
    };
    const wf = (await c.query("select (app_public.create_workflow($1, $2)).id", [teamA.id, definition])).rows[0].id as string;
    await c.query("select app_public.activate_workflow($1)", [wf]);
    const ex = (await c.query("select (app_public.start_execution($1, 'manual', $2)).id", [wf, { secret: MARK }])).rows[0].id as string;
    await c.query("select app_public.transition_execution($1, 'queued')", [ex]);
    await c.query("select app_public.transition_execution($1, 'running')", [ex]);
    await c.query("select app_public.record_node_run_start($1, 'Start')", [ex]);
    return { wf, ex };
  });
  const node = (await db.pool.query("select id from app_public.workflow_nodes where workflow_id = $1 order by name limit 1", [made.wf])).rows[0]?.id as string;
  const secrets = [teamA.id, teamA.slug, ownerA.id, memberA.id, deletedA.id, ownerA.email, memberA.email, deletedA.email, made.wf, made.ex, MARK];
  if (node) secrets.push(node);
  for (const r of (await db.pool.query("select id::text from app_public.team_memberships where team_id = $1", [teamA.id])).rows) secrets.push(r.id);
  w = { teamA: teamA.id, ownerA: ownerA.id, memberA: memberA.id, deletedA: deletedA.id, emailA: ownerA.email, workflowA: made.wf, executionA: made.ex,
    nodeA: node, outsider: outsider.id, teamB: teamB.id, secrets };

  const { rows } = await db.pool.query(`
    select p.oid::regprocedure::text as signature, n.nspname as schema, p.proname as name,
           coalesce((select json_agg(json_build_object('name', coalesce(p.proargnames[i], ''), 'type', format_type(t, null)) order by i)
                       from unnest(p.proargtypes::oid[]) with ordinality as a(t, i)), '[]') as args
      from pg_proc p join pg_namespace n on n.oid = p.pronamespace
     where p.prosecdef and p.prokind = 'f'
       and has_function_privilege('linkflow_visitor', p.oid, 'execute')
       and n.nspname not in ('pg_catalog', 'information_schema')
     order by 1`);
  fns = rows;
}, 60_000);

/** A fingerprint of everything team A owns (as the owner role), to show a call changed nothing of it. */
async function fingerprintA(c: pg.PoolClient): Promise<string> {
  const { rows } = await c.query(`
    select md5(concat_ws('|',
      (select string_agg(t::text, ',' order by t.id) from app_public.teams t where t.id = $1),
      (select string_agg(m::text, ',' order by m.id) from app_public.team_memberships m where m.team_id = $1),
      (select string_agg(u::text, ',' order by u.id) from app_public.users u where u.id in (select user_id from app_public.team_memberships where team_id = $1)),
      (select string_agg(x::text, ',' order by x.id) from app_public.workflows x where x.team_id = $1),
      (select string_agg(x::text, ',' order by x.id) from app_public.executions x where x.team_id = $1),
      (select count(*)::text from app_public.execution_node_runs x where x.execution_id = $2))) as h`, [w.teamA, w.executionA]);
  return rows[0].h;
}

/** Argument values aimed at team A, chosen by the argument's name and type. */
function aimedValue(arg: { name: string; type: string }): unknown {
  const n = arg.name;
  switch (arg.type) {
    case "uuid":
      if (/team/.test(n)) return w.teamA;
      if (/workflow/.test(n)) return w.workflowA;
      if (/user/.test(n)) return w.memberA;
      if (/node/.test(n)) return w.nodeA ?? w.workflowA;
      if (/after/.test(n)) return null;
      return w.executionA;
    case "text":
      if (/email/.test(n)) return w.emailA;
      if (/role/.test(n)) return "viewer";
      if (/state/.test(n)) return "running";
      if (/status/.test(n)) return "succeeded";
      if (/node/.test(n)) return "Start";
      if (/slug/.test(n)) return `probe-${Math.random().toString(36).slice(2, 8)}`;
      if (/password/.test(n)) return "probe-password-123456";
      return "probe";
    case "jsonb": case "json":
      if (/items/.test(n)) return JSON.stringify([{ id: w.executionA, to_state: "succeeded" }]);
      if (/definition/.test(n)) return JSON.stringify({ name: "probe", nodes: [{ name: "Start", type: "trigger.manual" }], connections: [] });
      return JSON.stringify({});
    case "integer": case "bigint": case "smallint":
      return /max_rows|limit/.test(n) ? 50 : 1;
    default:
      return null;
  }
}

/** The calls to try for a function: the aimed values, then each uuid argument set to every id of team A. */
function variants(fn: Fn): unknown[][] {
  const base = fn.args.map(aimedValue);
  const out: unknown[][] = [base];
  const ids = [w.teamA, w.workflowA, w.executionA, w.ownerA, w.memberA, w.deletedA, ...(w.nodeA ? [w.nodeA] : [])];
  fn.args.forEach((a, i) => {
    if (a.type !== "uuid") return;
    for (const id of ids) if (base[i] !== id) out.push(base.map((v, j) => (j === i ? id : v)));
  });
  return out;
}

function callSql(fn: Fn): string {
  const params = fn.args.map((a, i) => `$${i + 1}::${a.type}`).join(", ");
  return `select to_jsonb(r)::text as out from ${fn.schema}."${fn.name}"(${params}) as r`;
}

describe("SECURITY DEFINER functions callable by the visitor (from pg_proc)", () => {
  it("finds the functions to check (the walk is data-driven)", () => {
    expect(fns.length).toBeGreaterThan(10);
    expect(fns.map((f) => f.signature)).toContain("app_hidden.deleted_user_ids()");
  });

  it("return nothing of another team to a user of a different team, and change nothing of it", async () => {
    const leaks: string[] = [];
    const client = await db.pool.connect();
    try {
      await client.query("begin");
      const before = await fingerprintA(client);
      for (const fn of fns) {
        for (const args of variants(fn)) {
          await client.query("savepoint probe");
          let out = "";
          let err = "";
          try {
            const r = await asVisitor(client, w.outsider, () => client.query(callSql(fn), args));
            out = r.rows.map((x) => x.out).join("\n");
          } catch (e) {
            const pe = e as { message: string; detail?: string; hint?: string; code?: string };
            if (pe.code === "25P02") throw e;
            err = [pe.message, pe.detail, pe.hint].filter(Boolean).join(" ");
            await client.query("rollback to savepoint probe");
          }
          // values the caller passed in may be echoed back (e.g. "LFNTF for execution <id>"); nothing else of A
          const passed = new Set(args.flatMap((a) => (typeof a === "string" ? [a, ...(a.match(UUIDS) ?? [])] : [])));
          for (const s of w.secrets) {
            if (!passed.has(s) && out.includes(s)) leaks.push(`${fn.signature} ${JSON.stringify(args)} returned ${s}: ${out.slice(0, 200)}`);
            if (!passed.has(s) && err.includes(s)) leaks.push(`${fn.signature} ${JSON.stringify(args)} error names ${s}: ${err.slice(0, 200)}`);
          }
          const after = await fingerprintA(client);
          if (after !== before) leaks.push(`${fn.signature} ${JSON.stringify(args)} changed team A's rows`);
          await client.query("rollback to savepoint probe");
        }
      }
      await client.query("rollback");
    } finally {
      await client.query("rollback").catch(() => undefined);
      client.release();
    }
    expect(leaks).toEqual([]);
  }, 120_000);

  it("deleted_user_ids() names only soft-deleted members of the caller's own teams", async () => {
    const outsiderSees = await db.asUser(w.outsider, (c) => c.query("select app_hidden.deleted_user_ids() as id"));
    expect(outsiderSees.rows.map((r) => r.id)).not.toContain(w.deletedA);
    const memberSees = await db.asUser(w.memberA, (c) => c.query("select app_hidden.deleted_user_ids() as id"));
    expect(memberSees.rows.map((r) => r.id)).toContain(w.deletedA);
    // the RLS policy it serves still hides the deleted member from team A's members
    const members = await db.asUser(w.memberA, (c) => c.query("select user_id from app_public.team_memberships where team_id = $1", [w.teamA]));
    expect(members.rows.map((r) => r.user_id).sort()).toEqual([w.ownerA, w.memberA].sort());
  });
});

describe("locks taken by visitor-callable functions", () => {
  it("a non-member's call never waits on team A's locked rows (the access check comes before any lock)", async () => {
    // Another session holds every row of team A; each function aimed at team A, called by an outsider with
    // lock_timeout, must answer (typically LFNTF) instead of waiting (55P03 would mean it queued on a lock).
    const holder = await db.pool.connect();
    const blocked: string[] = [];
    try {
      await holder.query("begin");
      await holder.query("select 1 from app_public.teams where id = $1 for update", [w.teamA]);
      await holder.query("select 1 from app_public.team_memberships where team_id = $1 for update", [w.teamA]);
      await holder.query("select 1 from app_public.workflows where team_id = $1 for update", [w.teamA]);
      await holder.query("select 1 from app_public.executions where team_id = $1 for update", [w.teamA]);
      await holder.query("select 1 from app_public.users where id in ($1, $2, $3) for update", [w.ownerA, w.memberA, w.deletedA]);
      const client = await db.pool.connect();
      try {
        await client.query("begin");
        await client.query("set local lock_timeout = '300ms'");
        for (const fn of fns) {
          if (!fn.args.some((a) => a.type === "uuid" || a.type === "jsonb")) continue;
          for (const args of variants(fn)) {
            await client.query("savepoint probe");
            try {
              await asVisitor(client, w.outsider, () => client.query(callSql(fn), args));
            } catch (e) {
              const code = (e as { code?: string }).code;
              if (code === "55P03") blocked.push(`${fn.signature} ${JSON.stringify(args)}`);
              if (code === "25P02") throw e;
            }
            await client.query("rollback to savepoint probe");
          }
        }
        await client.query("rollback");
      } finally {
        await client.query("rollback").catch(() => undefined);
        client.release();
      }
    } finally {
      await holder.query("rollback");
      holder.release();
    }
    expect(blocked).toEqual([]);
  }, 120_000);

  it("workflow_lock and lock_team_for_caller check membership before locking (pg_locks shows no row lock wait)", async () => {
    const holder = await db.pool.connect();
    try {
      await holder.query("begin");
      await holder.query("select 1 from app_public.workflows where id = $1 for update", [w.workflowA]);
      await holder.query("select 1 from app_public.teams where id = $1 for update", [w.teamA]);
      const started = Date.now();
      const wf = db.asUser(w.outsider, (c) => c.query("select app_public.archive_workflow($1)", [w.workflowA])).catch((e) => e);
      const team = db.asUser(w.outsider, (c) => c.query("select app_public.add_team_member($1, 'viewer', $2)", [w.teamA, w.outsider])).catch((e) => e);
      // while both calls run: nobody waits on a lock in this database
      await new Promise((r) => setTimeout(r, 300));
      const waiting = await db.pool.query(
        "select count(*)::int as n from pg_locks where not granted and database = (select oid from pg_database where datname = current_database())");
      const timeout = new Promise((r) => setTimeout(() => r("timeout"), 2_000));
      const [a, b] = await Promise.all([Promise.race([wf, timeout]), Promise.race([team, timeout])]);
      expect(waiting.rows[0].n).toBe(0);
      expect(a).not.toBe("timeout");
      expect(b).not.toBe("timeout");
      expect((a as { sqlState?: string }).sqlState).toBe("LFNTF");
      expect((b as { sqlState?: string }).sqlState).toBe("LFNTF");
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await holder.query("rollback");
      holder.release();
    }
  });
});
