// Search through GraphQL: searchExecutions under RLS by team, with the API's page-size and cost limits,
// labels on Execution, and setExecutionLabels for editors.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { httpGraphQL, signToken } from "../harness/graphql.ts";
import { makeTeam, makeUser } from "../harness/fixtures.ts";
import { seedExecutions, type Seeded } from "../archive/seed.ts";
import { setExecutionLabels } from "../../src/search/index.ts";

const db = useTestDatabase();
let http: Awaited<ReturnType<typeof httpGraphQL>>;
let s: Seeded;
let member: string;
let outsider: string;
let viewerId: string;

const SEARCH = `query S($team: UUID!, $q: JSON, $after: String, $first: Int) {
  searchExecutions(teamId: $team, query: $q, after: $after, pageSize: $first) { rowId state labels createdAt searchCursor } }`;

beforeAll(async () => {
  const m = await makeUser(db.pool);
  const o = await makeUser(db.pool);
  const v = await makeUser(db.pool);
  viewerId = v.id;
  const team = await makeTeam(db.pool, [{ userId: m.id, role: "editor" }, { userId: v.id, role: "viewer" }]);
  await makeTeam(db.pool, [{ userId: o.id, role: "owner" }]);
  s = await seedExecutions(db.pool, { teamId: team.id, daysAgo: [2, 1], perDay: 40 });
  const ids = (await db.pool.query("select id from app_public.executions where team_id = $1 order by created_at desc, id desc", [s.teamId])).rows.map((r) => r.id);
  await setExecutionLabels(db.pool, ids[3], { order: "4711" });
  member = await signToken(m.id);
  outsider = await signToken(o.id);
  http = await httpGraphQL(db);
  await http.query("{ __typename }");
}, 120_000);
afterAll(async () => { await http?.close(); });

describe("search: GraphQL searchExecutions", () => {
  it("pages a member's team newest first with an opaque cursor, labels included", async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 20; i++) {
      const { body } = await http.query(SEARCH, { team: s.teamId, q: { state: "succeeded" }, after, first: 25 }, member);
      expect(body.errors).toBeUndefined();
      const page = body.data.searchExecutions as { rowId: string; searchCursor: string }[];
      seen.push(...page.map((e) => e.rowId));
      if (page.length < 25) break;
      after = page[page.length - 1]!.searchCursor;
    }
    const want = (await db.pool.query("select id from app_public.executions where team_id = $1 and state = 'succeeded' order by created_at desc, id desc", [s.teamId])).rows.map((r) => r.id);
    expect(seen).toEqual(want);
    const { body } = await http.query(SEARCH, { team: s.teamId, q: { labels: { order: "4711" } } }, member);
    expect(body.data.searchExecutions.map((e: { labels: unknown }) => e.labels)).toEqual([{ order: "4711" }]);
  });

  it("shows outsiders and anonymous callers nothing", async () => {
    const other = await http.query(SEARCH, { team: s.teamId, q: {} }, outsider);
    expect(other.body.data.searchExecutions).toEqual([]);
    const anon = await http.query(SEARCH, { team: s.teamId, q: {} });
    expect(anon.body.data?.searchExecutions ?? []).toEqual([]);
  });

  it("refuses pages above the API's maximum and prices the page in the cost limit", async () => {
    const big = await http.query(SEARCH, { team: s.teamId, q: {}, first: 101 }, member);
    expect(big.status).toBe(400);
    expect(big.body.errors?.[0]?.extensions?.code).toBe("LIMIT_EXCEEDED");
    // 100 rows x a sub-selection of 600 fields: priced as a page of 100, over GRAPHQL_MAX_COST
    const fields = Array.from({ length: 600 }, (_, i) => `f${i}: id`).join(" ");
    const costly = await http.query(`query($team: UUID!) { searchExecutions(teamId: $team, pageSize: 100) { ${fields} } }`, { team: s.teamId }, member);
    expect(costly.body.errors?.[0]?.extensions?.code).toBe("LIMIT_EXCEEDED");
  });

  it("answers a malformed query with a typed VALIDATION error naming the field", async () => {
    const { body } = await http.query(SEARCH, { team: s.teamId, q: { input: { matches: "$.a ==" } } }, member);
    expect(body.errors?.[0]?.extensions?.code).toBe("VALIDATION");
    expect(JSON.stringify(body.errors?.[0]?.extensions)).toContain("query.input.matches");
  });

  it("lets editors set labels and refuses viewers", async () => {
    const id = (await db.pool.query("select id from app_public.executions where team_id = $1 limit 1", [s.teamId])).rows[0].id;
    const M = `mutation($id: UUID!, $l: JSON!) { setExecutionLabels(input: { executionId: $id, labels: $l }) { labels } }`;
    const ok = await http.query(M, { id, l: { env: "prod" } }, member);
    expect(ok.body.data.setExecutionLabels.labels).toEqual({ env: "prod" });
    const no = await http.query(M, { id, l: { env: "dev" } }, await signToken(viewerId));
    expect(no.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
  });
});
