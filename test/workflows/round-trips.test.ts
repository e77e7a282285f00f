// The workflows repository sends each call as one message: the caller's claims and the statement in one round
// trip (queryAs in src/db/caller.ts), one implicit transaction that leaves nothing behind on the connection.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { withTransaction } from "../../src/db/transaction.ts";
import { deriveQueryName } from "../../src/monitoring/query-name.ts";
import { WorkflowRepository } from "../../src/workflows/repository.ts";
import type { WorkflowDefinition } from "../../src/workflows/types.ts";
import { useTestDatabase } from "../harness/db.ts";
import { chain, teamWithRoles, type TeamSetup } from "./helpers.ts";

const db = useTestDatabase();
let t: TeamSetup;
let pool: pg.Pool; // one connection, so what a call leaves on it is what the next call sees
let roundTrips = 0;
let lastMessage = "";

const rejection = (p: Promise<unknown>) => p.then(() => { throw new Error("expected a rejection"); }, (e: unknown) => e);

beforeAll(async () => {
  t = await teamWithRoles(db.pool);
  pool = new pg.Pool({ connectionString: db.ownerUrl, max: 1 });
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...a: unknown[]) => unknown;
    (client as unknown as { query: (...a: unknown[]) => unknown }).query = (...a: unknown[]) => {
      roundTrips++;
      if (typeof a[0] === "string") lastMessage = a[0];
      return query(...a);
    };
  });
});

afterAll(async () => { await pool.end(); });

async function trips<T>(fn: () => Promise<T>): Promise<{ value: T; trips: number }> {
  roundTrips = 0;
  const value = await fn();
  return { value, trips: roundTrips };
}

describe("workflow repository calls are one round trip each", () => {
  it("create, GetWithNodes, save, history and list: one message per call", async () => {
    const repo = new WorkflowRepository(pool).asUser(t.editor);
    const created = await trips(() => repo.createWithVersion(t.teamId, chain(20, { name: "One trip" })));
    expect(created.trips).toBe(1);
    const got = await trips(() => repo.getWithNodes(created.value.id));
    expect(got.trips).toBe(1);
    expect(got.value.nodes).toHaveLength(20);
    const { name: _keep, ...edit } = chain(20, { seed: 1 }); // absent name: the stored one stays
    const saved = await trips(() => repo.save(created.value.id, 1, edit, "edit"));
    expect(saved.trips).toBe(1);
    expect(saved.value.currentVersion).toBe(2);
    expect((await trips(() => repo.listVersions(created.value.id))).trips).toBe(1);
    const listed = await trips(() => repo.list({ teamId: t.teamId, search: "One trip" }));
    expect(listed.trips).toBe(1);
    expect(listed.value.items.map((w) => w.id)).toEqual([created.value.id]);
  });

  it("query metrics name each message by its statement, from its head (a message can be as long as its definition)", async () => {
    const repo = new WorkflowRepository(pool).asUser(t.editor);
    const big = chain(300, { name: "Named" });
    const wf = await repo.createWithVersion(t.teamId, big);
    expect(lastMessage.length).toBeGreaterThan(20_000);
    expect(deriveQueryName(lastMessage.slice(0, 2000))).toBe("app_public.create_workflow");
    await repo.getWithNodes(wf.id);
    expect(deriveQueryName(lastMessage)).toBe("app_public.workflow_graph");
    await repo.save(wf.id, 1, { ...big, description: "x" });
    expect(deriveQueryName(lastMessage.slice(0, 2000))).toBe("app_public.save_workflow");
  });

  it("leaves no role, claims or transaction on the connection: the next statement runs as the owner", async () => {
    const repo = new WorkflowRepository(pool).asUser(t.editor, { correlationId: "corr-1" });
    const wf = await repo.createWithVersion(t.teamId, chain(3, { name: "No residue" }));
    await repo.getWithNodes(wf.id);
    const { rows: [s] } = await pool.query(`select current_user as u, coalesce(current_setting('jwt.claims.user_id', true), '') as claims,
      coalesce(current_setting('linkflow.correlation_id', true), '') as corr, current_setting('transaction_read_only') as ro,
      pg_catalog.txid_current_if_assigned() as tx`);
    expect(s).toEqual({ u: "linkflow_owner", claims: "", corr: "", ro: "off", tx: null });
    // the claims did reach the call: the event carries the correlation id
    const { rows: [e] } = await db.pool.query("select metadata from app_public.events where stream_id = $1 order by stream_version limit 1", [`workflow-${wf.id}`]);
    expect(e.metadata).toMatchObject({ actor: t.editor, correlation_id: "corr-1" });
  });

  it("runs under RLS and the role checks: a viewer cannot save, an outsider sees nothing, and a failed call writes nothing", async () => {
    const editor = new WorkflowRepository(pool).asUser(t.editor);
    const wf = await editor.createWithVersion(t.teamId, chain(3, { name: "Checked" }));
    expect(await rejection(new WorkflowRepository(pool).asUser(t.viewer).save(wf.id, 1, chain(3)))).toMatchObject({ code: "FORBIDDEN" });
    expect(await rejection(new WorkflowRepository(pool).asUser(t.outsider).getWithNodes(wf.id))).toMatchObject({ code: "NOT_FOUND" });
    expect((await new WorkflowRepository(pool).asUser(t.outsider).list({ teamId: t.teamId })).items).toEqual([]);
    const bad = { ...chain(3), connections: [{ source: "Start", target: "Nope" }] };
    expect(await rejection(editor.save(wf.id, 1, bad))).toMatchObject({ code: "VALIDATION", field: "connections.target" });
    expect(await rejection(editor.save(wf.id, 7, chain(3)))).toMatchObject({ code: "VERSION_CONFLICT", currentVersion: 1 });
    expect((await db.pool.query("select current_version from app_public.workflows where id = $1", [wf.id])).rows[0].current_version).toBe(1);
  });

  it("reads run in a read-only transaction, writes in a read-write one", async () => {
    const repo = new WorkflowRepository(pool).asUser(t.editor);
    const wf = await repo.createWithVersion(t.teamId, chain(2, { name: "Read only" }));
    expect(lastMessage).not.toMatch(/transaction_read_only/);
    await repo.getWithNodes(wf.id);
    expect(lastMessage).toMatch(/^select set_config\('transaction_read_only', 'on', true\), /);
    await repo.list({ teamId: t.teamId });
    expect(lastMessage).toMatch(/^select set_config\('transaction_read_only', 'on', true\), /);
    // and it is enforced: the same message form refuses a write
    const c = await pool.connect();
    try {
      await expect(c.query("select set_config('transaction_read_only', 'on', true); create temp table read_only_probe (x int)"))
        .rejects.toMatchObject({ code: "25006" });
      expect((await c.query("select current_setting('transaction_read_only') as ro")).rows[0].ro).toBe("off");
    } finally { c.release(); }
  });

  it("parameters travel as literals without changing a byte: quotes, backslashes, dollars and unicode round trip", async () => {
    const repo = new WorkflowRepository(pool).asUser(t.editor);
    const nasty = `O'Brien \\ '' $1 $$ $tag$ \\x00 "q" ; drop table app_public.workflows; -- 🎉 é \u2028`;
    const def: WorkflowDefinition = {
      name: nasty.slice(0, 60), description: nasty, tags: [nasty.slice(0, 20)],
      nodes: [{ name: nasty.slice(0, 30), type: "code.javascript", parameters: { code: nasty, nested: { s: nasty, n: [1, -2.5, null, true] } } }],
    };
    const wf = await repo.createWithVersion(t.teamId, def);
    const g = await repo.getWithNodes(wf.id);
    expect(g.workflow.name).toBe(def.name);
    expect(g.workflow.description).toBe(nasty);
    expect(g.nodes[0]!.name).toBe(def.nodes![0]!.name);
    expect(g.nodes[0]!.parameters).toEqual(def.nodes![0]!.parameters);
    expect((await repo.list({ teamId: t.teamId, tag: nasty.slice(0, 20) })).items.map((w) => w.id)).toEqual([wf.id]);
    const saved = await repo.save(wf.id, 1, { ...def, description: `${nasty}!` }, nasty);
    expect(saved.description).toBe(`${nasty}!`);
    expect((await repo.listVersions(wf.id))[0]!.message).toBe(nasty);
  });

  it("refuses a NUL character with VALIDATION and writes nothing (a simple-protocol message ends at a NUL)", async () => {
    const repo = new WorkflowRepository(pool).asUser(t.editor);
    const before = (await db.pool.query("select count(*)::int as n from app_public.workflows where team_id = $1", [t.teamId])).rows[0].n;
    await expect(repo.createWithVersion(t.teamId, chain(2, { name: "nul\u0000byte" }))).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(repo.createWithVersion(t.teamId, { ...chain(2, { name: "nul in a parameter" }), description: "a\u0000b" })).rejects.toMatchObject({ code: "VALIDATION" });
    expect((await db.pool.query("select count(*)::int as n from app_public.workflows where team_id = $1", [t.teamId])).rows[0].n).toBe(before);
    // a plain string parameter (not inside JSON)
    await expect(repo.list({ teamId: t.teamId, tag: "a\u0000b" })).rejects.toMatchObject({ code: "VALIDATION" });
  });

  it("inside withTransaction a call joins the caller's transaction: a rollback undoes it", async () => {
    const repo = new WorkflowRepository(db.pool).asUser(t.editor);
    const wf = await repo.createWithVersion(t.teamId, chain(2, { name: "Joined" }));
    const err = await rejection(withTransaction(db.pool, async () => {
      await repo.save(wf.id, 1, chain(2, { seed: 5 }));
      expect((await repo.getWithNodes(wf.id)).workflow.currentVersion).toBe(2);
      throw new Error("roll back");
    }));
    expect(((err as Error).cause as Error).message).toBe("roll back");
    expect((await repo.getWithNodes(wf.id)).workflow.currentVersion).toBe(1);
  });
});
