import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { makeUser } from "../harness/fixtures.ts";
import { inProcessGraphQL } from "../harness/graphql.ts";

const db = useTestDatabase();

describe("GraphQL statement timeout", () => {
  it("cancels a request that runs longer than GRAPHQL_STATEMENT_TIMEOUT_MS and says so", async () => {
    // a slow function only this test database has
    await db.pool.query(`
      create function app_public.test_slow(seconds float) returns integer language sql stable as 'select 1 from pg_sleep(seconds)';
      comment on function app_public.test_slow(float) is 'test only';
      grant execute on function app_public.test_slow(float) to linkflow_visitor;`);
    const u = await makeUser(db.pool);
    const gql = inProcessGraphQL(db, { GRAPHQL_STATEMENT_TIMEOUT_MS: "200" });
    try {
      const fast = await gql.query("{ testSlow(seconds: 0.01) }", undefined, u.id);
      expect(JSON.stringify(fast)).toBe(JSON.stringify({ data: { testSlow: 1 } }));
      const slow = await gql.query("{ testSlow(seconds: 3) }", undefined, u.id);
      expect(slow.errors?.[0]?.message).toMatch(/statement timeout/);
    } finally {
      await gql.release();
    }
  });
});
