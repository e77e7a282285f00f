import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { httpGraphQL, inProcessGraphQL, signToken } from "../harness/graphql.ts";
import { makeTeam } from "../harness/fixtures.ts";
import { chain, teamWithRoles, type TeamSetup } from "./helpers.ts";

const db = useTestDatabase();
let gql: ReturnType<typeof inProcessGraphQL>;
let http: Awaited<ReturnType<typeof httpGraphQL>>;
let t: TeamSetup;

beforeAll(async () => {
  t = await teamWithRoles(db.pool);
  gql = inProcessGraphQL(db);
  http = await httpGraphQL(db);
});
afterAll(async () => {
  await http?.close();
  await gql?.release();
});

const CREATE = `mutation($teamId: UUID!, $definition: JSON!) {
  createWorkflow(input: {teamId: $teamId, definition: $definition}) { workflow { rowId name status currentVersion } }
}`;
const SAVE = `mutation($id: UUID!, $v: Int!, $definition: JSON!, $message: String) {
  saveWorkflow(input: {workflowId: $id, expectedVersion: $v, definition: $definition, message: $message}) { workflow { rowId currentVersion } }
}`;
const GET_WITH_NODES = `query($id: UUID!) {
  workflow(rowId: $id) {
    rowId name currentVersion status
    workflowNodes { nodes { rowId name type parameters positionX positionY } }
    workflowLinks { nodes { sourceNodeId targetNodeId sourceOutput targetInputIndex } }
    workflowTriggers { nodes { type config enabled nodeId } }
  }
}`;

async function create(userId: string, definition = chain(3)): Promise<string> {
  const r = await gql.query(CREATE, { teamId: t.teamId, definition }, userId);
  expect(r.errors).toBeUndefined();
  return r.data.createWorkflow.workflow.rowId;
}

describe("workflows GraphQL API", () => {
  it("createWorkflow, then GetWithNodes as nested relations and as the workflowGraph document", async () => {
    const r = await gql.query(CREATE, { teamId: t.teamId, definition: chain(3) }, t.editor);
    expect(r.errors).toBeUndefined();
    expect(r.data.createWorkflow.workflow).toMatchObject({ name: "Chain", status: "draft", currentVersion: 1 });
    const id = r.data.createWorkflow.workflow.rowId;
    const g = await gql.query(GET_WITH_NODES, { id }, t.viewer);
    expect(g.errors).toBeUndefined();
    expect(g.data.workflow.workflowNodes.nodes.map((n: { name: string }) => n.name).sort()).toEqual(["N1", "N2", "Start"]);
    expect(g.data.workflow.workflowLinks.nodes).toHaveLength(2);
    expect(g.data.workflow.workflowTriggers.nodes).toEqual([expect.objectContaining({ type: "schedule", config: { cron: "*/5 * * * *" }, enabled: true })]);
    const doc = await gql.query(`query($id: UUID!) { workflowGraph(workflowId: $id) }`, { id }, t.viewer);
    expect(doc.data.workflowGraph.nodes).toHaveLength(3);
    expect(doc.data.workflowGraph.connections.map((c: { source: string; target: string }) => `${c.source}->${c.target}`)).toEqual(["N1->N2", "Start->N1"]);
  });

  it("saveWorkflow, version history, one version, diff and restore", async () => {
    const id = await create(t.editor);
    const s = await gql.query(SAVE, { id, v: 1, definition: chain(4, { seed: 1 }), message: "more" }, t.editor);
    expect(s.errors).toBeUndefined();
    expect(s.data.saveWorkflow.workflow.currentVersion).toBe(2);
    const h = await gql.query(`query($id: UUID!) { workflowVersionHistory(workflowId: $id) { nodes { version message authorId wasActive } } }`, { id }, t.viewer);
    expect(h.data.workflowVersionHistory.nodes).toEqual([
      { version: 2, message: "more", authorId: t.editor, wasActive: false },
      { version: 1, message: "Created", authorId: t.editor, wasActive: false },
    ]);
    const one = await gql.query(`query($id: UUID!) { workflowVersionByWorkflowIdAndVersion(workflowId: $id, version: 1) { version data } }`, { id }, t.viewer);
    expect(one.data.workflowVersionByWorkflowIdAndVersion.data.nodes).toHaveLength(3);
    const d = await gql.query(`query($id: UUID!) { diffWorkflowVersions(workflowId: $id, fromVersion: 1, toVersion: 2) }`, { id }, t.viewer);
    expect(d.data.diffWorkflowVersions.nodes.added.map((n: { name: string }) => n.name)).toEqual(["N3"]);
    const r = await gql.query(`mutation($id: UUID!) { restoreWorkflowVersion(input: {workflowId: $id, version: 1, expectedVersion: 2}) { workflow { currentVersion } } }`, { id }, t.editor);
    expect(r.data.restoreWorkflowVersion.workflow.currentVersion).toBe(3);
    const same = await gql.query(`query($id: UUID!) { diffWorkflowVersions(workflowId: $id, fromVersion: 1, toVersion: 3) }`, { id }, t.viewer);
    expect(same.data.diffWorkflowVersions.identical).toBe(true);
  });

  it("lifecycle: activate, deactivate, archive, duplicate, delete", async () => {
    const id = await create(t.editor);
    const a = await gql.query(`mutation($id: UUID!) { activateWorkflow(input: {workflowId: $id}) { workflow { status } } }`, { id }, t.editor);
    expect(a.data.activateWorkflow.workflow.status).toBe("active");
    const d = await gql.query(`mutation($id: UUID!) { deactivateWorkflow(input: {workflowId: $id}) { workflow { status } } }`, { id }, t.editor);
    expect(d.data.deactivateWorkflow.workflow.status).toBe("inactive");
    const other = await makeTeam(db.pool, [{ userId: t.editor, role: "editor" }]);
    const dup = await gql.query(`mutation($id: UUID!, $team: UUID!) { duplicateWorkflow(input: {workflowId: $id, teamId: $team, name: "Copy"}) { workflow { teamId name currentVersion } } }`,
      { id, team: other.id }, t.editor);
    expect(dup.data.duplicateWorkflow.workflow).toEqual({ teamId: other.id, name: "Copy", currentVersion: 1 });
    const ar = await gql.query(`mutation($id: UUID!) { archiveWorkflow(input: {workflowId: $id}) { workflow { status archivedAt } } }`, { id }, t.admin);
    expect(ar.data.archiveWorkflow.workflow.status).toBe("archived");
    expect(ar.data.archiveWorkflow.workflow.archivedAt).toBeTruthy();
    const del = await gql.query(`mutation($id: UUID!) { deleteWorkflow(input: {workflowId: $id}) { deletedWorkflowId } }`, { id }, t.admin);
    expect(del.data.deleteWorkflow.deletedWorkflowId).toBe(id);
    const gone = await gql.query(`query($id: UUID!) { workflow(rowId: $id) { rowId } }`, { id }, t.admin);
    expect(gone.data.workflow).toBeNull();
  });

  it("searchWorkflows by tag and name, and the workflows connection", async () => {
    const team = await makeTeam(db.pool, [{ userId: t.editor, role: "editor" }]);
    for (const [name, tags] of [["Alpha sync", ["x"]], ["Beta report", ["y"]], ["Gamma sync", ["x", "y"]]] as const) {
      const r = await gql.query(CREATE, { teamId: team.id, definition: { name, tags } }, t.editor);
      expect(r.errors).toBeUndefined();
    }
    const q = `query($team: UUID!, $tag: String, $name: String) { searchWorkflows(teamId: $team, tag: $tag, nameContains: $name) { nodes { name } } }`;
    const byTag = await gql.query(q, { team: team.id, tag: "x" }, t.editor);
    expect(byTag.data.searchWorkflows.nodes.map((n: { name: string }) => n.name)).toEqual(["Gamma sync", "Alpha sync"]);
    const byName = await gql.query(q, { team: team.id, name: "REPORT" }, t.editor);
    expect(byName.data.searchWorkflows.nodes).toEqual([{ name: "Beta report" }]);
    const all = await gql.query(`query($team: UUID!) { workflows(condition: {teamId: $team}) { totalCount } }`, { team: team.id }, t.editor);
    expect(all.data.workflows.totalCount).toBe(3);
  });

  it("RLS: a non-member sees nothing; errors carry the LF codes over HTTP", async () => {
    const id = await create(t.editor);
    const o = await gql.query(GET_WITH_NODES, { id }, t.outsider);
    expect(o.data.workflow).toBeNull();
    const doc = await gql.query(`query($id: UUID!) { workflowGraph(workflowId: $id) }`, { id }, t.outsider);
    expect(doc.data.workflowGraph).toBeNull();

    const call = async (userId: string, query: string, variables: Record<string, unknown>) =>
      (await http.query(query, variables, await signToken(userId))).body;
    await call(t.editor, SAVE, { id, v: 1, definition: chain(2) });
    const stale = await call(t.editor, SAVE, { id, v: 1, definition: chain(2) });
    expect(stale.errors![0]!.extensions).toMatchObject({ code: "VERSION_CONFLICT", sqlState: "LFVER", detail: "current_version=2" });
    const invalid = await call(t.editor, SAVE, { id, v: 2, definition: { nodes: [{ name: "a", type: "t" }], connections: [{ source: "a", target: "b" }] } });
    expect(invalid.errors![0]!.extensions).toMatchObject({ code: "VALIDATION", sqlState: "LFVAL", field: "connections.target" });
    const viewer = await call(t.viewer, SAVE, { id, v: 2, definition: chain(2) });
    expect(viewer.errors![0]!.extensions).toMatchObject({ code: "FORBIDDEN", sqlState: "LFDNY" });
    const editorDelete = await call(t.editor, `mutation($id: UUID!) { deleteWorkflow(input: {workflowId: $id}) { deletedWorkflowId } }`, { id });
    expect(editorDelete.errors![0]!.extensions).toMatchObject({ code: "FORBIDDEN" });
    const outsider = await call(t.outsider, SAVE, { id, v: 2, definition: chain(2) });
    expect(outsider.errors![0]!.extensions).toMatchObject({ code: "NOT_FOUND", sqlState: "LFNTF" });
    const limit = await call(t.editor, CREATE, { teamId: t.teamId, definition: chain(1001, { trigger: false }) });
    expect(limit.errors![0]!.extensions).toMatchObject({ code: "LIMIT_EXCEEDED", sqlState: "LFLIM", field: "nodes" });
    const cron = await call(t.editor, `query { ok: isValidCronExpression(expression: "0 9 * * MON-FRI") bad: isValidCronExpression(expression: "0 25 * * *") }`, {});
    expect(cron.data).toEqual({ ok: true, bad: false });
  });

  it("exposes no direct insert/update/delete mutations on the workflow tables", async () => {
    const r = await gql.query(`{ __type(name: "Mutation") { fields { name } } }`, {}, t.editor);
    const names: string[] = r.data.__type.fields.map((f: { name: string }) => f.name);
    expect(names.filter((n) => /workflow/i.test(n)).sort()).toEqual([
      "activateWorkflow", "archiveWorkflow", "createWorkflow", "deactivateWorkflow", "deleteWorkflow", "duplicateWorkflow",
      "patchWorkflow", "restoreWorkflowVersion", "saveWorkflow",
    ]);
  });
});
