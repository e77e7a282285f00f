import { afterAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { inProcessGraphQL } from "../harness/graphql.ts";
import { makeUser } from "../harness/fixtures.ts";

const db = useTestDatabase();
let gql: ReturnType<typeof inProcessGraphQL> | undefined;
afterAll(async () => { await gql?.release(); });

interface TypeRef { name: string | null; kind: string; ofType: TypeRef | null }
const named = (t: TypeRef): TypeRef => (t.ofType ? named(t.ofType) : t);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

describe("the GraphQL API: mutation payloads", () => {
  it("name the field that carries the result for the entity it is (plural for a list), never `result`", async () => {
    gql = inProcessGraphQL(db);
    const user = await makeUser(db.pool);
    const r = await gql.query(`{ __schema { mutationType { fields { name type { name fields { name type { name kind ofType { name kind ofType { name kind ofType { name kind } } } } } } } } } }`, {}, user.id);
    expect(r.errors).toBeUndefined();
    const mutations = r.data.__schema.mutationType.fields as { name: string; type: { name: string; fields: { name: string; type: TypeRef }[] } }[];
    expect(mutations.length).toBeGreaterThan(10);
    const wrong: string[] = [];
    for (const m of mutations) {
      const fields = m.type.fields.filter((f) => f.name !== "clientMutationId" && f.name !== "query" && !f.name.endsWith("Edge"));
      if (fields.some((f) => f.name === "result")) wrong.push(`${m.name} returns \`result\``);
      for (const f of fields) {
        const t = named(f.type);
        if (t.kind !== "OBJECT") continue; // scalars are named by @resultFieldName
        const entity = lowerFirst(t.name!);
        const list = f.type.kind === "LIST" || f.type.ofType?.kind === "LIST";
        if (list ? !f.name.startsWith(entity) : f.name !== entity) wrong.push(`${m.name}.${f.name} carries ${t.name}${list ? " (list)" : ""}`);
      }
    }
    expect(wrong).toEqual([]);
    // the renamed ones, as clients call them
    const byName = new Map(mutations.map((m) => [m.name, m.type.fields.map((f) => f.name)]));
    expect(byName.get("startExecution")).toContain("execution");
    expect(byName.get("transitionExecutions")).toContain("executionTransitionResults");
    expect(byName.get("register")).toContain("user");
    expect(byName.get("createTeam")).toContain("team");
    expect(byName.get("createWorkflow")).toContain("workflow");
    expect(byName.get("authenticate")).toContain("jwtToken");
    expect(byName.get("deleteTeam")).toContain("teamDeleted");
  });
});
