// Workflows at editor speed (issue 20): saves are diffs against the stored graph, the GetWithNodes document is
// built in the same pass, and validation still raises every typed error with its field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { useTestDatabase } from "../harness/db.ts";
import { WorkflowRepository } from "../../src/workflows/repository.ts";
import { VersionConflictError } from "../../src/errors.ts";
import type { WorkflowDefinition } from "../../src/workflows/types.ts";
import { chain, teamWithRoles, type TeamSetup } from "./helpers.ts";

const db = useTestDatabase();
let repo: WorkflowRepository;
let t: TeamSetup;
const ed = () => ({ userId: t.editor });

beforeAll(async () => {
  repo = new WorkflowRepository(db.pool);
  t = await teamWithRoles(db.pool);
});

type RowState = Record<string, string>; // id -> "xmin/xmax"

/** Every live graph row of a workflow with its xmin and xmax: a row written (or even locked) changes them. */
async function rowStates(workflowId: string): Promise<{ nodes: RowState; connections: RowState; triggers: RowState; names: Record<string, string> }> {
  const q = async (table: string) => {
    const { rows } = await db.pool.query(`select id::text, xmin::text || '/' || xmax::text as s from app_public.${table} where workflow_id = $1`, [workflowId]);
    return Object.fromEntries(rows.map((r) => [r.id, r.s])) as RowState;
  };
  const names = (await db.pool.query("select name, id::text from app_public.workflow_nodes where workflow_id = $1", [workflowId])).rows;
  return { nodes: await q("workflow_nodes"), connections: await q("workflow_connections"), triggers: await q("workflow_triggers"),
    names: Object.fromEntries(names.map((r) => [r.name, r.id])) };
}

function changed(before: RowState, after: RowState): string[] {
  return Object.keys({ ...before, ...after }).filter((id) => before[id] !== after[id]).sort();
}

/** Rows whose version changed (xmin): written, not merely key-share locked by a new edge's foreign key check. */
function written(before: RowState, after: RowState): string[] {
  const xmin = (s: string | undefined) => s?.split("/")[0];
  return Object.keys({ ...before, ...after }).filter((id) => xmin(before[id]) !== xmin(after[id])).sort();
}

/** The document rebuilt from the live tables, to compare with the stored one. */
async function documentFromTables(workflowId: string): Promise<unknown> {
  return (await db.pool.query("select app_private.workflow_build_graph_document($1) as d", [workflowId])).rows[0].d;
}

async function storedDocument(workflowId: string): Promise<unknown> {
  return (await db.pool.query("select document from app_private.workflow_graph_documents where workflow_id = $1", [workflowId])).rows[0]?.document;
}

function withParams(def: WorkflowDefinition, name: string, parameters: Record<string, unknown>): WorkflowDefinition {
  return { ...def, nodes: def.nodes!.map((n) => (n.name === name ? { ...n, parameters } : n)) };
}

describe("workflow saves are diffs against the stored graph", () => {
  it("a one-node change writes that node only: ids stable, every other row (nodes, connections, triggers) untouched", async () => {
    const def = chain(200);
    const wf = await repo.as(ed()).createWithVersion(t.teamId, def);
    const before = await rowStates(wf.id);
    expect(Object.keys(before.nodes)).toHaveLength(200);
    expect(Object.keys(before.connections)).toHaveLength(199);

    await repo.as(ed()).save(wf.id, 1, withParams(def, "N42", { url: "https://example.com/changed" }), "one node");
    const after = await rowStates(wf.id);
    expect(after.names).toEqual(before.names); // every node keeps its id
    expect(changed(before.nodes, after.nodes)).toEqual([before.names["N42"]]);
    expect(changed(before.connections, after.connections)).toEqual([]);
    expect(changed(before.triggers, after.triggers)).toEqual([]);

    const g = await repo.as(ed()).getWithNodes(wf.id);
    expect(g.nodes.find((n) => n.name === "N42")!.parameters).toEqual({ url: "https://example.com/changed" });
    expect(g.workflow.currentVersion).toBe(2);
    expect(await storedDocument(wf.id)).toEqual(await documentFromTables(wf.id));
  });

  it("an unchanged save writes nothing to nodes, connections or triggers (not even a row lock), but still makes a version", async () => {
    const def = chain(30);
    const wf = await repo.as(ed()).createWithVersion(t.teamId, def);
    const before = await rowStates(wf.id);
    const g = await repo.as(ed()).getWithNodes(wf.id);
    const saved = await repo.as(ed()).save(wf.id, 1, g, "same graph, from GetWithNodes");
    expect(saved.currentVersion).toBe(2);
    await repo.as(ed()).save(wf.id, 2, def, "same graph, from the definition");
    const after = await rowStates(wf.id);
    expect(after).toEqual(before);
    const doc = await repo.as(ed()).getWithNodes(wf.id);
    expect(doc.workflow.currentVersion).toBe(3);
    expect(doc.nodes).toEqual(g.nodes);
    expect(await storedDocument(wf.id)).toEqual(await documentFromTables(wf.id));
  });

  it("adds, removes and renames only what changed; edges and triggers follow their nodes", async () => {
    const def = chain(6);
    def.triggers!.push({ type: "manual" }, { type: "manual" }, { type: "webhook", config: { path: "in" }, node: "N2" });
    const wf = await repo.as(ed()).createWithVersion(t.teamId, def);
    const before = await rowStates(wf.id);
    const trig = (await db.pool.query("select id::text, type, node_id::text from app_public.workflow_triggers where workflow_id = $1 order by id", [wf.id])).rows;

    // N5 renamed to Last (a new node), N3 removed (its two edges go), a node added, one of two equal manual triggers removed
    const next: WorkflowDefinition = {
      nodes: [...def.nodes!.filter((n) => n.name !== "N3" && n.name !== "N5"), { name: "Last", type: "http.request" }, { name: "Extra", type: "code" }],
      connections: [{ source: "Start", target: "N1" }, { source: "N1", target: "N2" }, { source: "N4", target: "Last" }, { source: "N2", target: "Extra" }],
      triggers: [def.triggers![0]!, { type: "manual" }, def.triggers![3]!],
    };
    await repo.as(ed()).save(wf.id, 1, next);
    const after = await rowStates(wf.id);
    for (const name of ["Start", "N1", "N2", "N4"]) expect(after.names[name]).toBe(before.names[name]);
    expect(Object.keys(after.names).sort()).toEqual(["Extra", "Last", "N1", "N2", "N4", "Start"]);
    expect(written(before.nodes, after.nodes)).toEqual(
      [before.names["N3"]!, before.names["N5"]!, after.names["Last"]!, after.names["Extra"]!].sort());
    // kept edges keep their rows
    const conns = (await db.pool.query("select id::text from app_public.workflow_connections where workflow_id = $1", [wf.id])).rows.map((r) => r.id);
    expect(conns).toHaveLength(4);
    expect(conns.filter((id) => before.connections[id] === after.connections[id])).toHaveLength(2); // Start->N1, N1->N2
    // the schedule and webhook triggers and one of the two manual ones are untouched; the other manual one is gone
    const kept = trig.filter((r) => after.triggers[r.id] === before.triggers[r.id]);
    expect(kept.map((r) => r.type).sort()).toEqual(["manual", "schedule", "webhook"]);
    expect(Object.keys(after.triggers)).toHaveLength(3);

    const g = await repo.as(ed()).getWithNodes(wf.id);
    expect(g.connections.map((c) => `${c.source}->${c.target}`)).toEqual(["N1->N2", "N2->Extra", "N4->Last", "Start->N1"]);
    expect(g.connections.find((c) => c.target === "Last")!.target_node_id).toBe(after.names["Last"]);
    expect(g.triggers.find((x) => x.type === "webhook")!.node_id).toBe(after.names["N2"]);
    expect(await storedDocument(wf.id)).toEqual(await documentFromTables(wf.id));
    const v2 = await repo.as(ed()).getVersion(wf.id, 2);
    expect(g.nodes.map(({ id: _id, ...n }) => n)).toEqual(v2.data.nodes);
  });

  it("keeps the stored document equal to the live tables across saves, restores and status changes", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(5));
    expect(await storedDocument(wf.id)).toEqual(await documentFromTables(wf.id));
    await repo.as(ed()).save(wf.id, 1, withParams(chain(5), "N2", { a: 1 }));
    await repo.as(ed()).activate(wf.id);
    expect(await storedDocument(wf.id)).toEqual(await documentFromTables(wf.id));
    expect((await repo.as(ed()).getWithNodes(wf.id)).workflow.status).toBe("active");
    await repo.as(ed()).restore(wf.id, 1, 2);
    expect(await storedDocument(wf.id)).toEqual(await documentFromTables(wf.id));
    await repo.as(ed()).deactivate(wf.id);
    const g = await repo.as(ed()).getWithNodes(wf.id);
    expect(g.workflow).toMatchObject({ status: "inactive", currentVersion: 3 });
    expect(await storedDocument(wf.id)).toEqual(await documentFromTables(wf.id));
    // a direct change to the workflow row (not through the functions) is never served stale
    await db.pool.query("update app_public.workflows set description = 'direct' where id = $1", [wf.id]);
    expect((await repo.as(ed()).getWithNodes(wf.id)).workflow.description).toBe("direct");
  });

  it("enqueues one cache invalidation per statement, computed from workflow_id", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(50));
    await db.pool.query("delete from graphile_worker._private_jobs where payload::text like $1", [`%${wf.id}%`]);
    await repo.as(ed()).save(wf.id, 1, withParams(chain(50), "N7", { x: 1 }));
    const { rows } = await db.pool.query("select payload from graphile_worker._private_jobs where payload::text like $1", [`%workflows:graph:${wf.id}%`]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => JSON.stringify(r.payload).includes(`workflows:graph:${wf.id}`))).toBe(true);
  });
});

describe("concurrent diff saves", () => {
  let pool: pg.Pool;
  const N = 8;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: db.ownerUrl, max: N });
    pool.on("error", () => {});
  });
  afterAll(async () => { await pool?.end(); });

  it(`${N} parallel one-node saves of a 200-node workflow at the same version: one wins, the others get LFVER, the live graph is the winner's`, async () => {
    const r = new WorkflowRepository(pool);
    const def = chain(200);
    const wf = await r.as(ed()).createWithVersion(t.teamId, def);
    const results = await Promise.allSettled(Array.from({ length: N }, (_, i) =>
      r.as(ed()).save(wf.id, 1, withParams(def, `N${10 + i}`, { writer: i }), `writer ${i}`)));
    const won = results.filter((x) => x.status === "fulfilled");
    const lost = results.filter((x): x is PromiseRejectedResult => x.status === "rejected");
    expect(won).toHaveLength(1);
    for (const l of lost) {
      expect(l.reason).toBeInstanceOf(VersionConflictError);
      expect(l.reason).toMatchObject({ sqlState: "LFVER", currentVersion: 2 });
    }
    const v2 = await r.as(ed()).getVersion(wf.id, 2);
    const g = await r.as(ed()).getWithNodes(wf.id);
    expect(g.nodes.map(({ id: _id, ...n }) => n)).toEqual(v2.data.nodes);
    expect(g.nodes.filter((n) => "writer" in n.parameters)).toHaveLength(1);
    const { rows } = await db.pool.query(
      "select count(*)::int as n from app_public.workflow_nodes where workflow_id = $1 and parameters ? 'writer'", [wf.id]);
    expect(rows[0].n).toBe(1);
  });
});

describe("validation rules, each with its typed error and field (create and save)", () => {
  const node = { name: "a", type: "t" };
  const n2 = [node, { name: "b", type: "t" }];
  const cases: [string, unknown, string, string?][] = [
    ["definition not an object", [], "definition"],
    ["name not a string", { name: 1 }, "name"],
    ["blank name", { name: " " }, "name"],
    ["name over 200 characters", { name: "n".repeat(201) }, "name"],
    ["description not a string", { name: "x", description: 1 }, "description"],
    ["description over 10000 characters", { name: "x", description: "d".repeat(10001) }, "description"],
    ["settings not an object", { name: "x", settings: "s" }, "settings"],
    ["tags not an array", { name: "x", tags: "a" }, "tags"],
    ["more than 100 tags", { name: "x", tags: Array.from({ length: 101 }, (_, i) => `t${i}`) }, "tags"],
    ["an empty tag", { name: "x", tags: [""] }, "tags"],
    ["nodes not an array", { name: "x", nodes: {} }, "nodes"],
    ["a node that is not an object", { name: "x", nodes: [1] }, "nodes"],
    ["a node without a name", { name: "x", nodes: [{ type: "t" }] }, "nodes.name"],
    ["a node name over 200 characters", { name: "x", nodes: [{ name: "n".repeat(201), type: "t" }] }, "nodes.name"],
    ["duplicate node names", { name: "x", nodes: [node, { ...node }] }, "nodes.name"],
    ["a node without a type", { name: "x", nodes: [{ name: "a" }] }, "nodes.type"],
    ["a node type with a space", { name: "x", nodes: [{ name: "a", type: "a b" }] }, "nodes.type"],
    ["a node type over 200 characters", { name: "x", nodes: [{ name: "a", type: "t".repeat(201) }] }, "nodes.type"],
    ["a type_version of 0", { name: "x", nodes: [{ ...node, type_version: 0 }] }, "nodes.type_version"],
    ["a fractional type_version", { name: "x", nodes: [{ ...node, type_version: 1.5 }] }, "nodes.type_version"],
    ["a type_version as a string", { name: "x", nodes: [{ ...node, type_version: "1" }] }, "nodes.type_version"],
    ["parameters not an object", { name: "x", nodes: [{ ...node, parameters: [] }] }, "nodes.parameters"],
    ["a position of three numbers", { name: "x", nodes: [{ ...node, position: [1, 2, 3] }] }, "nodes.position"],
    ["a fractional position", { name: "x", nodes: [{ ...node, position: [1.5, 2] }] }, "nodes.position"],
    ["disabled not a boolean", { name: "x", nodes: [{ ...node, disabled: "no" }] }, "nodes.disabled"],
    ["connections not an array", { name: "x", nodes: n2, connections: {} }, "connections"],
    ["a connection that is not an object", { name: "x", nodes: n2, connections: ["a"] }, "connections"],
    ["a connection from an unknown node", { name: "x", nodes: n2, connections: [{ source: "z", target: "a" }] }, "connections.source"],
    ["a connection to an unknown node", { name: "x", nodes: n2, connections: [{ source: "a", target: "z" }] }, "connections.target"],
    ["an empty source_output", { name: "x", nodes: n2, connections: [{ source: "a", target: "b", source_output: "" }] }, "connections.source_output"],
    ["a target_input that is not a string", { name: "x", nodes: n2, connections: [{ source: "a", target: "b", target_input: 1 }] }, "connections.target_input"],
    ["a negative source_output_index", { name: "x", nodes: n2, connections: [{ source: "a", target: "b", source_output_index: -1 }] }, "connections.source_output_index"],
    ["a fractional target_input_index", { name: "x", nodes: n2, connections: [{ source: "a", target: "b", target_input_index: 0.5 }] }, "connections.target_input_index"],
    ["a duplicate connection (defaults filled in)", { name: "x", nodes: n2, connections: [{ source: "a", target: "b" }, { source: "a", target: "b", target_input: "main", source_output_index: 0 }] }, "connections"],
    ["triggers not an array", { name: "x", triggers: {} }, "triggers"],
    ["a trigger that is not an object", { name: "x", triggers: [1] }, "triggers"],
    ["an unknown trigger type", { name: "x", triggers: [{ type: "sms" }] }, "triggers.type"],
    ["enabled not a boolean", { name: "x", triggers: [{ type: "manual", enabled: 1 }] }, "triggers.enabled"],
    ["a trigger on an unknown node", { name: "x", nodes: [node], triggers: [{ type: "manual", node: "z" }] }, "triggers.node"],
    ["a trigger node that is not a string", { name: "x", nodes: [node], triggers: [{ type: "manual", node: 1 }] }, "triggers.node"],
    ["a trigger config that is not an object", { name: "x", triggers: [{ type: "manual", config: [] }] }, "triggers.config", "config must be an object"],
    ["a schedule without cron", { name: "x", triggers: [{ type: "schedule", config: {} }] }, "triggers.config", "needs config.cron"],
    ["a schedule with an invalid cron", { name: "x", triggers: [{ type: "schedule", config: { cron: "* * * * 8" } }] }, "triggers.config", "invalid cron expression"],
    ["a schedule time zone that is not a string", { name: "x", triggers: [{ type: "schedule", config: { cron: "@daily", timezone: 1 } }] }, "triggers.config", "timezone must be a string"],
    ["a schedule with an unknown time zone", { name: "x", triggers: [{ type: "schedule", config: { cron: "@daily", timezone: "Nowhere/City" } }] }, "triggers.config", "unknown time zone"],
    ["a webhook without a path", { name: "x", triggers: [{ type: "webhook", config: {} }] }, "triggers.config", "needs config.path"],
    ["a webhook path over 200 characters", { name: "x", triggers: [{ type: "webhook", config: { path: "p".repeat(201) } }] }, "triggers.config", "needs config.path"],
    ["a webhook with an unknown method", { name: "x", triggers: [{ type: "webhook", config: { path: "p", method: "GO" } }] }, "triggers.config", "config.method"],
    ["an event without event_type", { name: "x", triggers: [{ type: "event", config: { event_type: "" } }] }, "triggers.config", "config.event_type"],
  ];

  it.each(cases.map(([label, def, field, message]) => [label, field, def, message] as const))("create rejects %s: LFVAL, field %s", async (_label, field, def, message) => {
    const err = await repo.as(ed()).createWithVersion(t.teamId, def as WorkflowDefinition).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "VALIDATION", sqlState: "LFVAL", field });
    if (message) expect((err as Error).message).toContain(message);
  });

  it("save applies the same rules and changes nothing on a failure", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(3));
    const before = await rowStates(wf.id);
    for (const [label, def, field] of cases) {
      if (label === "definition not an object") continue; // save's definition is the graph; covered by create
      const err = await repo.as(ed()).save(wf.id, 1, def as WorkflowDefinition).catch((e: unknown) => e);
      expect([label, err]).toMatchObject([label, { code: "VALIDATION", sqlState: "LFVAL", field }]);
    }
    await expect(repo.as(ed()).save(wf.id, 1, chain(3), "m".repeat(2001))).rejects.toMatchObject({ code: "VALIDATION", field: "message" });
    await expect(db.asUser(t.editor, (c) => c.query("select app_public.save_workflow($1, null, '{}')", [wf.id])))
      .rejects.toMatchObject({ code: "VALIDATION", field: "expected_version" });
    expect(await rowStates(wf.id)).toEqual(before);
    expect((await repo.as(ed()).getWithNodes(wf.id)).workflow.currentVersion).toBe(1);
  });

  it("reports the first invalid element by position, and accepts the limits exactly", async () => {
    const err = await repo.as(ed()).createWithVersion(t.teamId, { name: "x", nodes: [node, { name: "b", type: "t", disabled: 1 } as never, { name: "c" } as never] })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ field: "nodes.disabled", message: expect.stringContaining("node 2 is invalid") });
    const ok = await repo.as(ed()).createWithVersion(t.teamId, {
      name: "n".repeat(200), tags: Array.from({ length: 100 }, (_, i) => `t${i}`),
      nodes: [{ name: "n".repeat(200), type: "t".repeat(200), type_version: 999999999, position: [-999999999, 999999999] }],
      triggers: [{ type: "webhook", config: { path: "p".repeat(200), method: "PATCH" } }, { type: "event", config: { event_type: "e".repeat(200) } }],
    });
    expect(ok.currentVersion).toBe(1);
    // the table's own check on node types still holds for writes that bypass the functions
    await expect(db.pool.query("update app_public.workflow_nodes set type = $2 where workflow_id = $1", [ok.id, "t".repeat(201)])).rejects.toMatchObject({ code: "23514" });
    await expect(db.pool.query("update app_public.workflow_nodes set type = 'a b' where workflow_id = $1", [ok.id])).rejects.toMatchObject({ code: "23514" });
  });
});

describe("version history stays compact", () => {
  it("stores each version's snapshot compressed (pg_column_size well below the JSON size)", async () => {
    const def = chain(200);
    const wf = await repo.as(ed()).createWithVersion(t.teamId, def);
    await repo.as(ed()).save(wf.id, 1, withParams(def, "N3", { changed: true }));
    const { rows } = await db.pool.query(`select version, pg_column_size(data) as stored, octet_length(data::text) as json
      from app_public.workflow_versions where workflow_id = $1 order by version`, [wf.id]);
    expect(rows).toHaveLength(2);
    for (const r of rows) expect(r.stored).toBeLessThan(r.json / 3);
  });
});
