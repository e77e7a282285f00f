// The lifecycle API through GraphQL: usage, budgets, the retention dry run and bulk actions with progress,
// under the caller's role (RLS and the functions' checks).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inProcessGraphQL } from "../harness/graphql.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";
import { ExecutionsRepository } from "../../src/executions/index.ts";

const db = useTestDatabase();
let gql: ReturnType<typeof inProcessGraphQL>;
let owner: { id: string }, editor: { id: string };
let teamId: string;

beforeAll(async () => {
  gql = inProcessGraphQL(db);
  owner = await makeUser(db.pool);
  editor = await makeUser(db.pool);
  teamId = (await makeTeam(db.pool, [{ userId: owner.id, role: "owner" }, { userId: editor.id, role: "editor" }])).id;
  const wf = await makeWorkflow(db.pool, teamId, { status: "active" });
  const repo = new ExecutionsRepository(db.pool);
  for (let i = 0; i < 3; i++) await repo.start({ workflowId: wf.id });
});
afterAll(async () => { await gql.release(); });

describe("lifecycle: GraphQL", { timeout: 60_000 }, () => {
  it("exposes usage, budgets, policies, the dry run and bulk actions with progress", async () => {
    const usage = await gql.query(`query($t: UUID!) { teamUsageNow(teamId: $t) { nodes { hotExecutions hotBytes executionsThisMonth } } }`, { t: teamId }, owner.id);
    expect(usage.errors).toBeUndefined();
    expect(usage.data.teamUsageNow.nodes[0]).toMatchObject({ hotExecutions: "3", executionsThisMonth: "3" });

    const budget = await gql.query(`mutation($t: UUID!) { setTeamBudget(input: { teamId: $t, executionsPerMonth: 10 }) { teamBudget { executionsPerMonth warnPercent } } }`, { t: teamId }, owner.id);
    expect(budget.errors).toBeUndefined();
    expect(budget.data.setTeamBudget.teamBudget).toEqual({ executionsPerMonth: 10, warnPercent: 80 });
    const denied = await gql.query(`mutation($t: UUID!) { setTeamBudget(input: { teamId: $t, executionsPerMonth: 99 }) { clientMutationId } }`, { t: teamId }, editor.id);
    expect(denied.errors?.[0]?.message).toMatch(/owner or admin/); // in-process: the server adds the typed code (maskError)

    const policy = await gql.query(`mutation($t: UUID!) { setRetentionPolicy(input: { teamId: $t, hotDays: 7, coldDays: 30 }) { retentionPolicy { hotDays coldDays nodeOutput } } }`, { t: teamId }, owner.id);
    expect(policy.errors).toBeUndefined();
    expect(policy.data.setRetentionPolicy.retentionPolicy).toEqual({ hotDays: 7, coldDays: 30, nodeOutput: "keep" });
    const plan = await gql.query(`query($t: UUID!) { retentionPlan(teamId: $t) { nodes { step executionId bytes } } }`, { t: teamId }, owner.id);
    expect(plan.errors).toBeUndefined();
    expect(plan.data.retentionPlan.nodes).toEqual([]);

    const count = await gql.query(`query($t: UUID!) { bulkActionCount(teamId: $t, action: "cancel", filter: { state: "pending" }) }`, { t: teamId }, owner.id);
    expect(count.errors).toBeUndefined();
    expect(count.data.bulkActionCount).toBe("3");
    // a search query as the filter; a malformed one is refused naming the field
    const byQuery = await gql.query(`query($t: UUID!) { bulkActionCount(teamId: $t, action: "cancel", filter: { query: { state: ["pending", "succeeded"] } }) }`, { t: teamId }, owner.id);
    expect(byQuery.data.bulkActionCount).toBe("3");
    const badQuery = await gql.query(`query($t: UUID!) { bulkActionCount(teamId: $t, action: "cancel", filter: { query: { stat: "pending" } }) }`, { t: teamId }, owner.id);
    expect(badQuery.errors?.[0]?.message).toMatch(/unknown field query.stat/);
    const started = await gql.query(`mutation($t: UUID!) { startBulkAction(input: { teamId: $t, action: "cancel", filter: { state: "pending" } }) { bulkAction { rowId status expectedCount processed } } }`, { t: teamId }, owner.id);
    expect(started.errors).toBeUndefined();
    expect(started.data.startBulkAction.bulkAction).toMatchObject({ status: "pending", expectedCount: "3", processed: "0" });
    const list = await gql.query(`{ bulkActions { nodes { action status expectedCount } } }`, undefined, owner.id);
    expect(list.data.bulkActions.nodes).toEqual([{ action: "cancel", status: "pending", expectedCount: "3" }]);
    const hidden = await gql.query(`{ bulkActions { nodes { action } } }`, undefined, editor.id);
    expect(hidden.data.bulkActions.nodes).toEqual([]);
    const refused = await gql.query(`mutation($t: UUID!) { startBulkAction(input: { teamId: $t, action: "delete" }) { clientMutationId } }`, { t: teamId }, editor.id);
    expect(refused.errors?.[0]?.message).toMatch(/owner or admin/);
  });
});
