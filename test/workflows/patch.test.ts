// Patch saves (patch_workflow, WorkflowRepository.patch): the next version is the current snapshot with the
// patch applied, exactly what a save of the patched definition would store; only the patched parts are
// validated and written; the stored GetWithNodes document equals one rebuilt from the rows.
import { beforeAll, describe, expect, it } from "vitest";
import type pg from "pg";
import { withTransaction } from "../../src/db/transaction.ts";
import { WorkflowRepository } from "../../src/workflows/repository.ts";
import type { ConnectionDefinition, NodeDefinition, WorkflowDefinition, WorkflowPatch } from "../../src/workflows/types.ts";
import { useTestDatabase } from "../harness/db.ts";
import { httpGraphQL, signToken } from "../harness/graphql.ts";
import { chain, teamWithRoles, type TeamSetup } from "./helpers.ts";

const db = useTestDatabase();
let t: TeamSetup;
let repo: WorkflowRepository;

beforeAll(async () => {
  t = await teamWithRoles(db.pool);
  repo = new WorkflowRepository(db.pool).asUser(t.editor);
});

async function snapshot(id: string, version: number): Promise<unknown> {
  return (await repo.getVersion(id, version)).data;
}

/** The stored document equals the one rebuilt from the rows, and the rows equal the snapshot. */
async function expectConsistent(id: string): Promise<void> {
  const { rows: [r] } = await db.pool.query(`select d.document::jsonb = app_private.workflow_build_graph_document(w.id)::jsonb as same_doc,
      d.workflow_updated_at = w.updated_at as fresh
    from app_public.workflows w join app_private.workflow_graph_documents d on d.workflow_id = w.id where w.id = $1`, [id]);
  expect(r).toEqual({ same_doc: true, fresh: true });
  const g = await repo.getWithNodes(id);
  const v = (await repo.getVersion(id, g.workflow.currentVersion)).data;
  expect(g.nodes.map(({ id: _i, ...n }) => n)).toEqual(v.nodes);
  expect(g.connections.map(({ id: _i, source_node_id: _s, target_node_id: _t, ...c }) => c)).toEqual(v.connections);
}

/** The definition a save would need to get the same result as the patch (applied to the current definition). */
function applied(def: WorkflowDefinition, p: WorkflowPatch): WorkflowDefinition {
  const removed = new Set(p.removeNodes ?? []);
  const upserted = new Map((p.nodes ?? []).map((n) => [n.name, n]));
  const same = (a: ConnectionDefinition, b: ConnectionDefinition) => a.source === b.source && a.target === b.target
    && (a.source_output ?? "main") === (b.source_output ?? "main") && (a.target_input ?? "main") === (b.target_input ?? "main")
    && (a.source_output_index ?? 0) === (b.source_output_index ?? 0) && (a.target_input_index ?? 0) === (b.target_input_index ?? 0);
  const nodes: NodeDefinition[] = def.nodes!.filter((n) => !removed.has(n.name) && !upserted.has(n.name)).concat([...upserted.values()]);
  const connections = def.connections!.filter((c) => !removed.has(c.source) && !removed.has(c.target)
    && !(p.removeConnections ?? []).some((r) => same(r, c))).concat(p.addConnections ?? []);
  const out: WorkflowDefinition = { ...def, nodes, connections, triggers: p.triggers ?? def.triggers };
  for (const k of ["name", "description", "settings", "tags"] as const) if (p[k] !== undefined) (out as Record<string, unknown>)[k] = p[k];
  return out;
}

async function rowsWritten(c: pg.PoolClient): Promise<Record<string, { ins: number; upd: number; del: number }>> {
  const { rows } = await c.query(`select schemaname || '.' || relname as t, n_tup_ins::int as ins, n_tup_upd::int as upd, n_tup_del::int as del
    from pg_stat_xact_user_tables where schemaname in ('app_public', 'app_private')`);
  return Object.fromEntries(rows.map((r) => [r.t, { ins: r.ins, upd: r.upd, del: r.del }]));
}

describe("patch saves", () => {
  it("a one-node patch stores what a save of the patched definition stores, and writes only that node, the workflow, a version, the document and an event", async () => {
    const def = chain(200, { name: "Patched" });
    const a = await repo.createWithVersion(t.teamId, def);
    const b = await repo.createWithVersion(t.teamId, def);
    const ids = (await db.pool.query("select name, id from app_public.workflow_nodes where workflow_id = $1 order by name", [a.id])).rows;
    const patch: WorkflowPatch = { nodes: [{ ...def.nodes![42]!, parameters: { changed: true, nested: { x: [1, 2] } } }] };
    const counts = await withTransaction(db.pool, async (c) => {
      const before = await rowsWritten(c);
      const w = await repo.patch(a.id, 1, patch, "one node");
      expect(w.currentVersion).toBe(2);
      const after = await rowsWritten(c);
      return Object.fromEntries(Object.entries(after).map(([k, v]) => {
        const o = before[k] ?? { ins: 0, upd: 0, del: 0 };
        return [k, { ins: v.ins - o.ins, upd: v.upd - o.upd, del: v.del - o.del }];
      }).filter(([, d]) => (d as { ins: number; upd: number; del: number }).ins || (d as { upd: number }).upd || (d as { del: number }).del));
    });
    expect(counts["app_public.workflow_nodes"]).toEqual({ ins: 0, upd: 1, del: 0 });
    expect(counts["app_public.workflow_connections"]).toBeUndefined();
    expect(counts["app_public.workflow_triggers"]).toBeUndefined();
    expect(counts["app_public.workflows"]).toEqual({ ins: 0, upd: 1, del: 0 });
    expect(counts["app_public.workflow_versions"]).toEqual({ ins: 1, upd: 0, del: 0 });
    expect(counts["app_private.workflow_graph_documents"]).toEqual({ ins: 0, upd: 1, del: 0 });
    expect(counts["app_public.events"]).toEqual({ ins: 1, upd: 0, del: 0 });
    expect((await db.pool.query("select name, id from app_public.workflow_nodes where workflow_id = $1 order by name", [a.id])).rows).toEqual(ids);

    await repo.save(b.id, 1, applied(def, patch), "one node");
    expect(await snapshot(a.id, 2)).toEqual(await snapshot(b.id, 2));
    await expectConsistent(a.id);
    const { rows: [e] } = await db.pool.query("select type, data->>'version' as v from app_public.events where stream_id = $1 order by stream_version desc limit 1", [`workflow-${a.id}`]);
    expect(e).toEqual({ type: "WorkflowSaved", v: "2" });
  });

  it("structural patches (nodes added and removed with their connections, connections added and removed, triggers replaced, attributes) equal saves", async () => {
    let def = chain(12, { name: "Structural" });
    const a = await repo.createWithVersion(t.teamId, def);
    const b = await repo.createWithVersion(t.teamId, def);
    const patches: WorkflowPatch[] = [
      { nodes: [{ name: "Extra", type: "code.javascript", parameters: { code: "return 1" } }], addConnections: [{ source: "N3", target: "Extra", target_input_index: 1 }] },
      { removeNodes: ["N5"], addConnections: [{ source: "N4", target: "N6" }] },
      { removeConnections: [{ source: "N1", target: "N2" }], name: "Renamed", tags: ["b", "a", "b"] },
      { triggers: [{ type: "manual" }, { type: "webhook", config: { path: "hook", method: "POST" }, node: "Extra" }] },
      { nodes: [{ name: "N7", type: "http.request", position: [5, 6], disabled: true }, { name: "N8", type: "http.request", type_version: 3 }], description: "moved" },
      {},
    ];
    let v = 1;
    for (const p of patches) {
      await repo.patch(a.id, v, p);
      def = applied(def, p);
      await repo.save(b.id, v, def);
      v++;
      expect(await snapshot(a.id, v)).toEqual(await snapshot(b.id, v));
      await expectConsistent(a.id);
    }
    const g = await repo.getWithNodes(a.id);
    expect(g.workflow).toMatchObject({ name: "Renamed", description: "moved", tags: ["a", "b"] });
    expect(g.nodes.map((n) => n.name)).not.toContain("N5");
    expect(g.connections.some((c) => c.source === "N5" || c.target === "N5")).toBe(false);
  });

  it("refuses bad patches with the definition's typed errors and writes nothing", async () => {
    const def = chain(5, { name: "Refused" });
    const w = await repo.createWithVersion(t.teamId, def);
    const bad: [unknown, string][] = [
      [{ unknown: 1 }, "patch"],
      [{ nodes: {} }, "nodes"],
      [{ nodes: [{ name: "X", type: "bad type" }] }, "nodes.type"],
      [{ nodes: [{ name: "X", type: "t" }, { name: "X", type: "t" }] }, "nodes.name"],
      [{ nodes: [{ name: "N2", type: "t", parameters: [] }] }, "nodes.parameters"],
      [{ removeNodes: ["Nope"] }, "remove_nodes"],
      [{ removeNodes: ["N2"], nodes: [{ name: "N2", type: "t" }] }, "remove_nodes"],
      [{ removeNodes: ["Start"] }, "triggers.node"],
      [{ addConnections: [{ source: "N1", target: "Ghost" }] }, "connections.target"],
      [{ removeNodes: ["N3"], addConnections: [{ source: "N3", target: "N1" }] }, "connections.source"],
      [{ addConnections: [{ source: "Start", target: "N1" }] }, "connections"],
      [{ removeConnections: [{ source: "N1", target: "N3" }] }, "remove_connections"],
      [{ triggers: [{ type: "schedule", config: { cron: "nope" } }] }, "triggers.config"],
      [{ triggers: [{ type: "manual", node: "Ghost" }] }, "triggers.node"],
      [{ name: "" }, "name"],
      [{ tags: "x" }, "tags"],
    ];
    for (const [p, field] of bad) {
      await expect(repo.patch(w.id, 1, p as WorkflowPatch), JSON.stringify(p)).rejects.toMatchObject({ code: "VALIDATION", field });
    }
    await expect(repo.patch(w.id, 1, null as unknown as WorkflowPatch)).rejects.toMatchObject({ code: "VALIDATION", field: "patch" });
    const g = await repo.getWithNodes(w.id);
    expect(g.workflow.currentVersion).toBe(1);
    expect(g.nodes.map((n) => n.name)).toEqual(["N1", "N2", "N3", "N4", "Start"]);
    await expectConsistent(w.id);
  });

  it("checks the node count and size limits on the patched graph", async () => {
    const w = await repo.createWithVersion(t.teamId, chain(5, { name: "Limits" }));
    const { rows: [before] } = await db.pool.query("select max_nodes, max_definition_bytes from app_private.workflow_settings where id");
    try {
      await db.pool.query("update app_private.workflow_settings set max_nodes = 6 where id");
      await expect(repo.patch(w.id, 1, { nodes: [{ name: "A", type: "t" }, { name: "B", type: "t" }] })).rejects.toMatchObject({ code: "LIMIT_EXCEEDED", field: "nodes" });
      await db.pool.query("update app_private.workflow_settings set max_nodes = $1, max_definition_bytes = 3000 where id", [before.max_nodes]);
      await expect(repo.patch(w.id, 1, { nodes: [{ name: "N1", type: "t", parameters: { big: "x".repeat(2500) } }] })).rejects.toMatchObject({ code: "LIMIT_EXCEEDED", field: "definition" });
    } finally {
      await db.pool.query("update app_private.workflow_settings set max_nodes = $1, max_definition_bytes = $2 where id", [before.max_nodes, before.max_definition_bytes]);
    }
    expect((await repo.getWithNodes(w.id)).workflow.currentVersion).toBe(1);
  });

  it("needs the editor role, a current expected_version and a workflow that is not archived", async () => {
    const w = await repo.createWithVersion(t.teamId, chain(3, { name: "Guarded" }));
    const p: WorkflowPatch = { nodes: [{ name: "N1", type: "t" }] };
    await expect(repo.as({ userId: t.viewer }).patch(w.id, 1, p)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(repo.as({ userId: t.outsider }).patch(w.id, 1, p)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(repo.patch(w.id, 7, p)).rejects.toMatchObject({ code: "VERSION_CONFLICT", currentVersion: 1 });
    await new WorkflowRepository(db.pool).asUser(t.admin).archive(w.id);
    await expect(repo.patch(w.id, 1, p)).rejects.toMatchObject({ code: "ARCHIVED" });
  });

  it("concurrent patches of one version: exactly one wins, the others get VERSION_CONFLICT, and the document stays consistent", async () => {
    const def = chain(50, { name: "Raced" });
    const w = await repo.createWithVersion(t.teamId, def);
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) =>
      repo.patch(w.id, 1, { nodes: [{ ...def.nodes![i + 1]!, parameters: { racer: i } }] })));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toMatchObject({ code: "VERSION_CONFLICT", currentVersion: 2 });
    await expectConsistent(w.id);
    // and successive patches on top of each other (each a fast in-place document patch) stay consistent
    for (let v = 2; v < 12; v++) await repo.patch(w.id, v, { nodes: [{ ...def.nodes![(v * 7) % 50]!, parameters: { round: v }, position: [v, -v] }] });
    await expectConsistent(w.id);
  });

  it("finds every node's text in the stored document after a create, a save and a patch (what the in-place document patch relies on)", async () => {
    const def = chain(30, { name: "Texts" });
    const w = await repo.createWithVersion(t.teamId, def);
    await repo.save(w.id, 1, { ...def, nodes: def.nodes!.map((n, i) => (i === 3 ? { ...n, parameters: { quote: "a \"b\" ü ✓" } } : n)) });
    await repo.patch(w.id, 2, { nodes: [{ ...def.nodes![5]!, parameters: { emoji: "🚀", nested: { deep: [1, { x: null }] } } }] });
    for (const v of [3]) {
      const { rows: [r] } = await db.pool.query(`select count(*)::int as total,
          count(*) filter (where strpos(d.document::text, app_private.workflow_document_node(n.id, s.node)) > 0)::int as found
        from app_public.workflow_versions ver
        cross join lateral jsonb_array_elements(ver.data->'nodes') s(node)
        join app_public.workflow_nodes n on n.workflow_id = ver.workflow_id and n.name = s.node->>'name'
        join app_private.workflow_graph_documents d on d.workflow_id = ver.workflow_id
       where ver.workflow_id = $1 and ver.version = $2`, [w.id, v]);
      expect(r).toEqual({ total: 30, found: 30 });
    }
    await expectConsistent(w.id);
  });

  it("falls back to rebuilding the document when the stored one is missing", async () => {
    const w = await repo.createWithVersion(t.teamId, chain(4, { name: "No document" }));
    await db.pool.query("delete from app_private.workflow_graph_documents where workflow_id = $1", [w.id]);
    await repo.patch(w.id, 1, { nodes: [{ name: "N2", type: "http.request", parameters: { after: "loss" } }] });
    await expectConsistent(w.id);
  });

  it("is the patchWorkflow mutation in GraphQL, with the API's error codes", async () => {
    const http = await httpGraphQL(db);
    try {
      const w = await repo.createWithVersion(t.teamId, chain(3, { name: "Over GraphQL" }));
      const PATCH = `mutation($id: UUID!, $v: Int!, $patch: JSON!) {
        patchWorkflow(input: {workflowId: $id, expectedVersion: $v, patch: $patch, message: "gql"}) { workflow { rowId currentVersion } } }`;
      const token = await signToken(t.editor);
      const r = (await http.query(PATCH, { id: w.id, v: 1, patch: { nodes: [{ name: "N1", type: "http.request", parameters: { via: "graphql" } }] } }, token)).body;
      expect(r.errors).toBeUndefined();
      expect(r.data.patchWorkflow.workflow.currentVersion).toBe(2);
      const stale = (await http.query(PATCH, { id: w.id, v: 1, patch: {} }, token)).body;
      expect(stale.errors![0]!.extensions).toMatchObject({ code: "VERSION_CONFLICT", sqlState: "LFVER", detail: "current_version=2" });
      const invalid = (await http.query(PATCH, { id: w.id, v: 2, patch: { add_connections: [{ source: "N1", target: "Ghost" }] } }, token)).body;
      expect(invalid.errors![0]!.extensions).toMatchObject({ code: "VALIDATION", field: "connections.target" });
      const viewer = (await http.query(PATCH, { id: w.id, v: 2, patch: {} }, await signToken(t.viewer))).body;
      expect(viewer.errors![0]!.extensions).toMatchObject({ code: "FORBIDDEN" });
    } finally {
      await http.close();
    }
  });
});

