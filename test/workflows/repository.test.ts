import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam } from "../harness/fixtures.ts";
import { WorkflowRepository } from "../../src/workflows/repository.ts";
import { NotFoundError, ValidationError, VersionConflictError, IllegalTransitionError, LinkFlowError } from "../../src/errors.ts";
import { chain, teamWithRoles, type TeamSetup } from "./helpers.ts";

const db = useTestDatabase();
let repo: WorkflowRepository;
let t: TeamSetup;

beforeAll(async () => {
  repo = new WorkflowRepository(db.pool);
  t = await teamWithRoles(db.pool);
});

const ed = () => ({ userId: t.editor });

describe("workflows repository", () => {
  it("CreateWithVersion writes the workflow, its graph and version 1 in one transaction", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, { ...chain(3), description: "d", tags: ["b", "a", "a"], settings: { timeout: 30 } });
    expect(wf).toMatchObject({ teamId: t.teamId, name: "Chain", description: "d", status: "draft", currentVersion: 1, createdBy: t.editor, tags: ["a", "b"] });
    const counts = await db.pool.query(`select
      (select count(*)::int from app_public.workflow_nodes where workflow_id = $1) as nodes,
      (select count(*)::int from app_public.workflow_connections where workflow_id = $1) as conns,
      (select count(*)::int from app_public.workflow_triggers where workflow_id = $1) as triggers,
      (select count(*)::int from app_public.workflow_versions where workflow_id = $1) as versions,
      (select author_id from app_public.workflow_versions where workflow_id = $1 and version = 1) as author`, [wf.id]);
    expect(counts.rows[0]).toEqual({ nodes: 3, conns: 2, triggers: 1, versions: 1, author: t.editor });
  });

  it("GetWithNodes returns workflow, nodes, connections (by name) and triggers; its output saves back unchanged", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(4));
    const g = await repo.as(ed()).getWithNodes(wf.id);
    expect(g.workflow).toMatchObject({ id: wf.id, currentVersion: 1 });
    expect(g.nodes.map((n) => n.name)).toEqual(["N1", "N2", "N3", "Start"]);
    expect(g.nodes[0]).toMatchObject({ type: "http.request", type_version: 1, position: [200, 100], disabled: false, parameters: { url: "https://example.com/1" } });
    expect(g.connections.map((c) => `${c.source}->${c.target}`)).toEqual(["N1->N2", "N2->N3", "Start->N1"]);
    expect(g.triggers).toEqual([expect.objectContaining({ type: "schedule", node: "Start", enabled: true, config: { cron: "*/5 * * * *" } })]);
    const saved = await repo.as(ed()).save(wf.id, 1, g, "round trip");
    const diff = await repo.as(ed()).diff(wf.id, 1, 2);
    expect(diff.identical).toBe(true);
    // unchanged nodes keep their ids across saves
    const g2 = await repo.as(ed()).getWithNodes(saved.id);
    expect(g2.nodes.map((n) => n.id)).toEqual(g.nodes.map((n) => n.id));
  });

  it("GetWithNodes of an unknown or invisible workflow is NotFound", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(1));
    await expect(repo.as(ed()).getWithNodes("00000000-0000-7000-8000-000000000000")).rejects.toBeInstanceOf(NotFoundError);
    await expect(repo.as({ userId: t.outsider }).getWithNodes(wf.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("Save replaces the graph, writes the next version with author and message, and refuses a stale version", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(3));
    const def = chain(2, { seed: 7 });
    def.nodes!.push({ name: "Extra", type: "code", parameters: { js: "return 1" } });
    def.connections!.push({ source: "N1", target: "Extra", source_output: "error", target_input_index: 1 });
    const v2 = await repo.as({ userId: t.admin }).save(wf.id, 1, def, "second");
    expect(v2.currentVersion).toBe(2);
    const g = await repo.as(ed()).getWithNodes(wf.id);
    expect(g.nodes.map((n) => n.name)).toEqual(["Extra", "N1", "Start"]);
    expect(g.connections).toHaveLength(2);
    expect(g.connections.find((c) => c.target === "Extra")).toMatchObject({ source: "N1", source_output: "error", target_input_index: 1 });
    const v = await repo.as(ed()).getVersion(wf.id, 2);
    expect(v).toMatchObject({ version: 2, authorId: t.admin, message: "second" });
    expect(v.data.nodes.map((n) => n.name)).toEqual(["Extra", "N1", "Start"]);

    const err = await repo.as(ed()).save(wf.id, 1, chain(5), "stale").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VersionConflictError);
    expect((err as VersionConflictError).currentVersion).toBe(2);
    expect((err as VersionConflictError).detail).toBe("current_version=2");
    const after = await repo.as(ed()).getWithNodes(wf.id);
    expect(after.workflow.currentVersion).toBe(2);
    expect(after.nodes).toHaveLength(3);
  });

  it("Save keeps absent attributes and applies given ones", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, { ...chain(1), description: "keep", tags: ["x"], settings: { a: 1 } });
    const s1 = await repo.as(ed()).save(wf.id, 1, { nodes: chain(1).nodes });
    expect(s1).toMatchObject({ name: "Chain", description: "keep", tags: ["x"], settings: { a: 1 } });
    const s2 = await repo.as(ed()).save(wf.id, 2, { name: "Renamed", tags: [], settings: {}, nodes: [] });
    expect(s2).toMatchObject({ name: "Renamed", description: "keep", tags: [], settings: {} });
  });

  it("ListVersions is newest first with light columns and keyset pages; GetVersion returns the snapshot", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(2));
    for (let v = 1; v <= 4; v++) await repo.as(ed()).save(wf.id, v, chain(2, { seed: v }), `v${v + 1}`);
    const page1 = await repo.as(ed()).listVersions(wf.id, { limit: 3 });
    expect(page1.map((v) => v.version)).toEqual([5, 4, 3]);
    expect(Object.keys(page1[0]!).sort()).toEqual(["authorId", "createdAt", "message", "version", "wasActive"]);
    const page2 = await repo.as(ed()).listVersions(wf.id, { limit: 3, beforeVersion: 3 });
    expect(page2.map((v) => v.version)).toEqual([2, 1]);
    const v3 = await repo.as(ed()).getVersion(wf.id, 3);
    expect(v3.data.nodes[0]!.parameters).toMatchObject({ seed: 2 });
    await expect(repo.as(ed()).getVersion(wf.id, 99)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("Diff reports nodes added, removed and changed (with fields), connections, triggers and settings", async () => {
    const a = chain(3);
    a.settings = { timeout: 10, retry: true };
    const wf = await repo.as(ed()).createWithVersion(t.teamId, a);
    const b = chain(3);
    b.name = "Chain 2";
    b.settings = { timeout: 20, mode: "x" };
    b.nodes = b.nodes!.filter((n) => n.name !== "N2");
    b.nodes[1] = { ...b.nodes[1]!, parameters: { url: "changed" }, disabled: true };
    b.nodes.push({ name: "New", type: "code" });
    b.connections = [{ source: "Start", target: "N1" }, { source: "N1", target: "New" }];
    b.triggers = [{ type: "manual" }];
    await repo.as(ed()).save(wf.id, 1, b);
    const d = await repo.as(ed()).diff(wf.id, 1, 2);
    expect(d).toMatchObject({ from_version: 1, to_version: 2, identical: false, workflow: { name: { from: "Chain", to: "Chain 2" } } });
    expect(d.settings).toEqual({ added: { mode: "x" }, removed: { retry: true }, changed: { timeout: { from: 10, to: 20 } } });
    expect(d.nodes.added.map((n) => n.name)).toEqual(["New"]);
    expect(d.nodes.removed.map((n) => n.name)).toEqual(["N2"]);
    expect(d.nodes.changed).toEqual([{ name: "N1", fields: ["disabled", "parameters"],
      from: { disabled: false, parameters: { url: "https://example.com/1", seed: 0, retries: 1 } }, to: { disabled: true, parameters: { url: "changed" } } }]);
    expect(d.connections.added.map((c) => `${c.source}->${c.target}`)).toEqual(["N1->New"]);
    expect(d.connections.removed.map((c) => `${c.source}->${c.target}`)).toEqual(["N1->N2"]);
    expect(d.triggers.added).toEqual([{ type: "manual", config: {}, enabled: true, node: null }]);
    expect(d.triggers.removed).toEqual([{ type: "schedule", config: { cron: "*/5 * * * *" }, enabled: true, node: "Start" }]);
    await expect(repo.as(ed()).diff(wf.id, 1, 9)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("Restore writes a new version equal to the restored one and checks the expected version", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(3));
    await repo.as(ed()).save(wf.id, 1, chain(5, { seed: 1 }));
    const r = await repo.as(ed()).restore(wf.id, 1, 2);
    expect(r.currentVersion).toBe(3);
    const [v1, v3] = await Promise.all([repo.as(ed()).getVersion(wf.id, 1), repo.as(ed()).getVersion(wf.id, 3)]);
    expect(v3.data).toEqual(v1.data);
    expect(v3.message).toBe("Restored version 1");
    expect((await repo.as(ed()).getWithNodes(wf.id)).nodes).toHaveLength(3);
    await expect(repo.as(ed()).restore(wf.id, 1, 2)).rejects.toMatchObject({ code: "VERSION_CONFLICT", currentVersion: 3 });
    await expect(repo.as(ed()).restore(wf.id, 42, 3)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("List filters by team, status, tag and name with keyset pagination over light columns", async () => {
    const team = await makeTeam(db.pool, [{ userId: t.editor, role: "editor" }, { userId: t.viewer, role: "viewer" }]);
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const wf = await repo.as(ed()).createWithVersion(team.id, { name: i % 2 ? `Invoice sync ${i}` : `Report ${i}_%`, tags: i % 3 === 0 ? ["billing"] : ["ops"], nodes: [] });
      ids.push(wf.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await repo.as({ userId: t.viewer }).list({ teamId: team.id, limit: 3, after: cursor });
      expect(page.items.length).toBeLessThanOrEqual(3);
      expect(page.items[0]).not.toHaveProperty("settings");
      seen.push(...page.items.map((w) => w.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());
    expect((await repo.as(ed()).list({ teamId: team.id, tag: "billing" })).items.map((w) => w.name)).toEqual(["Report 6_%", "Invoice sync 3", "Report 0_%"]);
    expect((await repo.as(ed()).list({ teamId: team.id, search: "invoice" })).items).toHaveLength(3);
    expect((await repo.as(ed()).list({ teamId: team.id, search: "_%" })).items.map((w) => w.name)).toEqual(["Report 6_%", "Report 4_%", "Report 2_%", "Report 0_%"]);
    expect((await repo.as(ed()).list({ teamId: team.id, status: "active" })).items).toEqual([]);
    expect((await repo.as({ userId: t.outsider }).list({ teamId: team.id })).items).toEqual([]);
    await expect(repo.as(ed()).list({ teamId: team.id, after: "garbage" })).rejects.toBeInstanceOf(ValidationError);
  });

  it("Activate needs a valid graph with an enabled trigger; deactivate; archive is soft and refuses writes", async () => {
    const noTrigger = await repo.as(ed()).createWithVersion(t.teamId, chain(2, { trigger: false }));
    await expect(repo.as(ed()).activate(noTrigger.id)).rejects.toMatchObject({ code: "VALIDATION", field: "triggers" });
    const disabledTrigger = await repo.as(ed()).createWithVersion(t.teamId, { ...chain(2), triggers: [{ type: "manual", enabled: false }] });
    await expect(repo.as(ed()).activate(disabledTrigger.id)).rejects.toMatchObject({ code: "VALIDATION", field: "triggers" });
    const empty = await repo.as(ed()).createWithVersion(t.teamId, { name: "empty", triggers: [{ type: "manual" }] });
    await expect(repo.as(ed()).activate(empty.id)).rejects.toMatchObject({ code: "VALIDATION", field: "nodes" });

    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(2));
    expect((await repo.as(ed()).activate(wf.id)).status).toBe("active");
    await expect(repo.as(ed()).activate(wf.id)).rejects.toBeInstanceOf(IllegalTransitionError);
    expect((await repo.as(ed()).save(wf.id, 1, chain(3))).status).toBe("active");
    expect((await repo.as(ed()).deactivate(wf.id)).status).toBe("inactive");
    await expect(repo.as(ed()).deactivate(wf.id)).rejects.toMatchObject({ code: "ILLEGAL_TRANSITION", currentState: "inactive" });
    const archived = await repo.as({ userId: t.admin }).archive(wf.id);
    expect(archived.status).toBe("archived");
    expect(archived.archivedAt).toBeInstanceOf(Date);
    await expect(repo.as(ed()).save(wf.id, 2, chain(1))).rejects.toMatchObject({ code: "ARCHIVED" });
    await expect(repo.as(ed()).activate(wf.id)).rejects.toMatchObject({ code: "ARCHIVED" });
    // still readable
    expect((await repo.as({ userId: t.viewer }).getWithNodes(wf.id)).workflow.status).toBe("archived");
    const history = await repo.as(ed()).listVersions(wf.id);
    expect(history.map((v) => [v.version, v.wasActive])).toEqual([[2, true], [1, true]]);
  });

  it("Delete removes the workflow and its graph and versions; the event stream stays", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(3));
    await repo.as({ userId: t.admin }).delete(wf.id);
    await expect(repo.as(ed()).getWithNodes(wf.id)).rejects.toBeInstanceOf(NotFoundError);
    const { rows } = await db.pool.query(`select
      (select count(*)::int from app_public.workflow_nodes where workflow_id = $1) +
      (select count(*)::int from app_public.workflow_versions where workflow_id = $1) as left_over,
      (select array_agg(type order by stream_version) from app_public.events where stream_id = 'workflow-' || $1) as types`, [wf.id]);
    expect(rows[0]).toEqual({ left_over: 0, types: ["WorkflowCreated", "WorkflowDeleted"] });
    await expect(repo.as({ userId: t.admin }).delete(wf.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("Duplicate copies the current version into another team the caller can edit", async () => {
    const other = await makeTeam(db.pool, [{ userId: t.editor, role: "editor" }, { userId: t.viewer, role: "viewer" }]);
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(3));
    await repo.as(ed()).save(wf.id, 1, chain(4, { seed: 3 }));
    const copy = await repo.as(ed()).duplicate(wf.id, other.id);
    expect(copy).toMatchObject({ teamId: other.id, name: "Chain (copy)", currentVersion: 1, status: "draft" });
    const [src, dst] = await Promise.all([repo.as(ed()).getVersion(wf.id, 2), repo.as(ed()).getVersion(copy.id, 1)]);
    expect({ ...dst.data, name: "Chain" }).toEqual(src.data);
    expect((await repo.as(ed()).duplicate(wf.id, other.id, "Named")).name).toBe("Named");
    // a viewer of the source without edit rights on the target is refused
    await expect(repo.as({ userId: t.viewer }).duplicate(wf.id, other.id)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(repo.as(ed()).duplicate(wf.id, (await makeTeam(db.pool)).id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("appends the contract events with team_id and actor in the same transaction", async () => {
    const wf = await repo.as({ userId: t.editor, correlationId: "corr-1" }).createWithVersion(t.teamId, { ...chain(2), tags: ["t"], settings: { s: 1 } });
    await repo.as(ed()).save(wf.id, 1, chain(2, { seed: 1 }), "m");
    await repo.as(ed()).activate(wf.id);
    await repo.as(ed()).restore(wf.id, 1, 2);
    await repo.as({ userId: t.owner }).archive(wf.id);
    await repo.as({ userId: t.owner }).delete(wf.id);
    const { rows } = await db.pool.query(
      "select type, data, metadata, team_id, stream_type from app_public.events where stream_id = $1 order by stream_version", [`workflow-${wf.id}`]);
    const base = { workflow_id: wf.id, team_id: t.teamId };
    expect(rows.map((r) => r.type)).toEqual(["WorkflowCreated", "WorkflowSaved", "WorkflowStatusChanged", "WorkflowSaved", "WorkflowStatusChanged", "WorkflowDeleted"]);
    expect(rows.every((r) => r.team_id === t.teamId && r.stream_type === "workflow")).toBe(true);
    expect(rows[0].data).toEqual({ ...base, name: "Chain", description: "", status: "draft", settings: { s: 1 }, tags: ["t"], version: 1 });
    expect(rows[0].metadata).toEqual({ actor: t.editor, correlation_id: "corr-1" });
    expect(rows[1].data).toEqual({ ...base, name: "Chain", description: "", status: "draft", settings: { s: 1 }, tags: ["t"], version: 2 });
    expect(rows[2].data).toEqual({ ...base, status: "active", previous_status: "draft", version: 2 });
    expect(rows[3].data).toEqual({ ...base, name: "Chain", description: "", status: "active", settings: { s: 1 }, tags: ["t"], version: 3, restored_from: 1 });
    expect(rows[4].data).toEqual({ ...base, status: "archived", previous_status: "active", version: 3 });
    expect(rows[4].metadata).toEqual({ actor: t.owner });
    expect(rows[5].data).toEqual(base);
  });

  it("a failed save writes nothing: no version, no event, graph unchanged", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(3));
    const bad = chain(3);
    bad.connections!.push({ source: "Start", target: "Ghost" });
    await expect(repo.as(ed()).save(wf.id, 1, bad)).rejects.toMatchObject({ code: "VALIDATION", field: "connections.target" });
    const { rows } = await db.pool.query(`select
      (select count(*)::int from app_public.workflow_versions where workflow_id = $1) as versions,
      (select count(*)::int from app_public.events where stream_id = 'workflow-' || $1) as events,
      (select current_version from app_public.workflows where id = $1) as cv`, [wf.id]);
    expect(rows[0]).toEqual({ versions: 1, events: 1, cv: 1 });
    expect((await repo.as(ed()).getWithNodes(wf.id)).connections).toHaveLength(2);
    expect(new LinkFlowError("VALIDATION", "x")).toBeInstanceOf(Error);
  });
});

describe("the GetWithNodes graph document", () => {
  it("is never stale: a direct change to the graph tables invalidates it, and the next write rebuilds it", async () => {
    const wf = await repo.as(ed()).createWithVersion(t.teamId, chain(3));
    const docs = async () => (await db.pool.query("select count(*)::int as n from app_private.workflow_graph_documents where workflow_id = $1", [wf.id])).rows[0].n;
    expect(await docs()).toBe(1);
    await db.pool.query("update app_public.workflow_nodes set parameters = '{\"direct\": true}' where workflow_id = $1 and name = 'N1'", [wf.id]);
    expect(await docs()).toBe(0);
    const g = await repo.as(ed()).getWithNodes(wf.id);
    expect(g.nodes.find((n) => n.name === "N1")!.parameters).toEqual({ direct: true });
    await db.pool.query("delete from app_public.workflow_connections where workflow_id = $1", [wf.id]);
    expect((await repo.as(ed()).getWithNodes(wf.id)).connections).toEqual([]);
    await repo.as(ed()).save(wf.id, 1, chain(3));
    expect(await docs()).toBe(1);
    const fresh = await repo.as(ed()).getWithNodes(wf.id);
    expect(fresh.connections).toHaveLength(2);
    expect(fresh.nodes.find((n) => n.name === "N1")!.parameters).toMatchObject({ url: "https://example.com/1" });
  });
});
