// Read-your-writes tokens: a mutation's token, sent back with a read of the read models, makes the read wait
// until the projections cover the write; with the projection runner stopped the read fails with STALE.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProjectionManager, readModelProjections } from "../../src/events/index.ts";
import { consistencyToken, StaleError, waitForProjections } from "../../src/live/index.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser } from "../harness/fixtures.ts";
import { httpGraphQL, signToken } from "../harness/graphql.ts";
import { chain } from "../workflows/helpers.ts";

const db = useTestDatabase();
const T = 180_000;

const CREATE = `mutation ($teamId: UUID!, $definition: JSON) {
  createWorkflow(input: { teamId: $teamId, definition: $definition }) { workflow { rowId name } }
}`;
const LIST = `query ($id: UUID!) { workflowLists(condition: { workflowId: $id }) { nodes { workflowId name } } }`;

async function post(url: string, body: Record<string, unknown>, token: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
  return (await res.json()) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[]; extensions?: Record<string, unknown> };
}

describe("read-your-writes consistency tokens", () => {
  let server: Awaited<ReturnType<typeof httpGraphQL>>;
  let user: { id: string }; let team: { id: string }; let jwt: string;
  let manager: ProjectionManager | null = null;
  const definition = (name: string) => chain(2, { name });

  beforeAll(async () => {
    user = await makeUser(db.pool);
    team = await makeTeam(db.pool, [{ userId: user.id, role: "editor" }]);
    jwt = await signToken(user.id);
    server = await httpGraphQL(db, { CONSISTENCY_TIMEOUT_MS: "120000" });
  }, 60_000);
  afterAll(async () => { await manager?.stop(); await server?.close(); });

  it("every mutation result carries a token; a read with atLeast sees the write in its read model", async () => {
    manager = new ProjectionManager({ connectionString: db.ownerUrl, projections: readModelProjections(), batchSize: 500, pollIntervalMs: 50 });
    await manager.start();
    const created = await post(server.url, { query: CREATE, variables: { teamId: team.id, definition: definition("rw-1") } }, jwt);
    expect(created.errors).toBeUndefined();
    const token = created.extensions?.consistencyToken;
    expect(typeof token).toBe("string");
    const id = created.data.createWorkflow.workflow.rowId;
    // The token in the body's extensions ...
    const read = await post(server.url, { query: LIST, variables: { id }, extensions: { atLeast: token } }, jwt);
    expect(read.errors).toBeUndefined();
    expect(read.data.workflowLists.nodes).toEqual([{ workflowId: id, name: "rw-1" }]);
    // ... or in the X-Consistency-Token header.
    const again = await post(server.url, { query: CREATE, variables: { teamId: team.id, definition: definition("rw-2") } }, jwt);
    const id2 = again.data.createWorkflow.workflow.rowId;
    const read2 = await post(server.url, { query: LIST, variables: { id: id2 } }, jwt, { "x-consistency-token": String(again.extensions?.consistencyToken) });
    expect(read2.data.workflowLists.nodes).toEqual([{ workflowId: id2, name: "rw-2" }]);
  }, T);

  it("with the projection runner stopped, a read with the token fails with STALE after its timeout", async () => {
    await manager?.stop();
    manager = null;
    const short = await httpGraphQL(db, { CONSISTENCY_TIMEOUT_MS: "300" });
    try {
      const created = await post(short.url, { query: CREATE, variables: { teamId: team.id, definition: definition("rw-3") } }, jwt);
      const token = created.extensions?.consistencyToken as string;
      const started = Date.now();
      const read = await post(short.url, { query: LIST, variables: { id: created.data.createWorkflow.workflow.rowId }, extensions: { atLeast: token } }, jwt);
      expect(read.errors?.[0]?.extensions?.code).toBe("STALE");
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);
      await expect(waitForProjections(db.pool, token, { timeoutMs: 100 })).rejects.toBeInstanceOf(StaleError);
      const bad = await post(short.url, { query: LIST, variables: { id: created.data.createWorkflow.workflow.rowId }, extensions: { atLeast: "junk" } }, jwt);
      expect(bad.errors?.[0]?.extensions?.code).toBe("VALIDATION");
    } finally {
      await short.close();
    }
  }, T);

  it("the TypeScript API: a token taken after a write, waited on", async () => {
    manager = new ProjectionManager({ connectionString: db.ownerUrl, projections: readModelProjections(), batchSize: 500, pollIntervalMs: 50 });
    await manager.start();
    const token = await consistencyToken(db.pool);
    await waitForProjections(db.pool, token, { timeoutMs: 120_000 });
  }, T);
});
