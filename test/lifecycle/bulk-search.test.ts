// Bulk actions by search query: a filter {query: <search query document>} reaches exactly the team's hot
// executions that search_executions finds, restricted to the states the action applies to and to executions
// created before the action started; malformed queries are typed; other teams are never touched.
import { beforeAll, describe, expect, it } from "vitest";
import { ExecutionsRepository } from "../../src/executions/index.ts";
import { LifecycleRepository, runBulkAction } from "../../src/lifecycle/index.ts";
import { setExecutionLabels } from "../../src/search/index.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";

const db = useTestDatabase();
let owner: { id: string }, outsider: { id: string };
let teamId: string, otherTeamId: string, wf: string, otherWf: string;
let service: ExecutionsRepository;

/** Starts executions with the given inputs and moves them to running or failed; labels order=<n> on each. */
async function seed(workflowId: string, count: number, state: "running" | "failed", order: (i: number) => number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const e = await service.start({ workflowId, input: { order: { id: order(i) }, n: i } });
    ids.push(e.id);
    await setExecutionLabels(db.pool, e.id, { order: String(order(i)) });
  }
  const path = state === "running" ? ["queued", "running"] : ["queued", "running", "failed"];
  const results = await service.transitionMany(ids.flatMap((id) => path.map((toState) => ({ id, toState: toState as "queued" }))));
  if (results.some((r) => !r.ok)) throw new Error("setup moves failed");
  return ids;
}

/** What search_executions returns for the query (every page), as a sorted id list. */
async function searched(team: string, query: object): Promise<string[]> {
  const ids: string[] = [];
  let after: { id: string; created_at: Date } | null = null;
  for (;;) {
    const page: { id: string; created_at: Date }[] = (await db.pool.query<{ id: string; created_at: Date }>(
      "select e.id, e.created_at from app_private.search_executions_hot($1, $2::jsonb, $3, $4, 100) e",
      [team, JSON.stringify(query), after?.created_at ?? null, after?.id ?? null])).rows;
    ids.push(...page.map((r) => r.id));
    if (page.length < 100) return ids.sort();
    after = page[page.length - 1]!;
  }
}

async function statesOf(ids: string[]): Promise<Record<string, number>> {
  const { rows } = await db.pool.query("select state, count(*)::int as n from app_public.executions where id = any($1::uuid[]) group by 1", [ids]);
  return Object.fromEntries(rows.map((r) => [r.state, r.n]));
}

let even: string[], odd: string[], failedEven: string[], other: string[];

beforeAll(async () => {
  owner = await makeUser(db.pool);
  outsider = await makeUser(db.pool);
  teamId = (await makeTeam(db.pool, [{ userId: owner.id, role: "owner" }])).id;
  otherTeamId = (await makeTeam(db.pool, [{ userId: outsider.id, role: "owner" }])).id;
  wf = (await makeWorkflow(db.pool, teamId, { status: "active" })).id;
  otherWf = (await makeWorkflow(db.pool, otherTeamId, { status: "active" })).id;
  service = new ExecutionsRepository(db.pool);
  const all = await seed(wf, 40, "running", (i) => 1000 + i);
  even = all.filter((_, i) => i % 2 === 0);
  odd = all.filter((_, i) => i % 2 === 1);
  failedEven = await seed(wf, 6, "failed", (i) => 2000 + 2 * i);
  // the other team has executions with the same inputs and labels
  other = await seed(otherWf, 10, "running", (i) => 1000 + 2 * i);
}, 180_000);

describe("lifecycle: bulk actions by search query", { timeout: 180_000 }, () => {
  it("counts exactly what the search finds in the states the action applies to", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    const evenInput = { input: { matches: "$.n % 2 == 0" } };
    expect(await repo.countBulk(teamId, "cancel", { query: evenInput })).toBe(20);
    expect(await searched(teamId, { ...evenInput, state: "running" })).toEqual([...even].sort());
    // retry reaches only the failed ones (n = 0, 2, 4 of the six); cancel none of them
    expect(await repo.countBulk(teamId, "retry", { query: evenInput })).toBe(3);
    expect(await repo.countBulk(teamId, "retry", { query: {} })).toBe(6);
    expect(await repo.countBulk(teamId, "cancel", { query: { state: "failed" } })).toBe(0);
    // labels, containment and a list of states intersected with the action's
    expect(await repo.countBulk(teamId, "cancel", { query: { labels: { order: "1007" } } })).toBe(1);
    expect(await repo.countBulk(teamId, "cancel", { query: { input: { contains: { order: { id: 1003 } } }, state: ["running", "failed"] } })).toBe(1);
    expect(await repo.countBulk(teamId, "cancel", { query: { created_before: new Date(Date.now() - 86400_000).toISOString() } })).toBe(0);
  });

  it("refuses malformed queries with the field named, and a query mixed with history fields", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    await expect(repo.countBulk(teamId, "cancel", { query: { stat: "running" } } as never)).rejects.toMatchObject({ code: "VALIDATION", field: "filter.query.stat" });
    await expect(repo.countBulk(teamId, "cancel", { query: { input: { matches: "$$$" } } })).rejects.toMatchObject({ code: "VALIDATION", field: "filter.query.input.matches" });
    await expect(repo.countBulk(teamId, "cancel", { query: { state: "bogus" } })).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(repo.countBulk(teamId, "cancel", { query: "running" } as never)).rejects.toMatchObject({ code: "VALIDATION", field: "filter.query" });
    await expect(repo.startBulk(teamId, "cancel", { query: {}, workflow_id: wf } as never)).rejects.toMatchObject({ code: "VALIDATION", field: "filter.query" });
    const { rows: [n] } = await db.pool.query("select count(*)::int as n from app_public.bulk_actions where team_id = $1", [teamId]);
    expect(n.n).toBe(0);
  });

  it("cancels exactly the matching executions, in batches, each once; the rest and the other team stay as they are", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    const query = { input: { matches: "$.n % 2 == 0" } };
    const a = await repo.startBulk(teamId, "cancel", { query }, 3);
    expect(a).toMatchObject({ expected_count: 20, filter: { query } });
    // started after the action: not reached, though it matches
    const late = (await seed(wf, 1, "running", () => 1000))[0]!;
    const done = await runBulkAction(db.pool, { teamId, id: a.id });
    expect(done).toMatchObject({ status: "succeeded", processed: 20, acted: 20, skipped: 0, steps: 7 });
    expect(await statesOf(even)).toEqual({ cancelled: 20 });
    expect(await statesOf(odd)).toEqual({ running: 20 });
    expect(await statesOf([late])).toEqual({ running: 1 });
    expect(await statesOf(failedEven)).toEqual({ failed: 6 });
    expect(await statesOf(other)).toEqual({ running: 10 });
    const { rows } = await db.pool.query(`
      select count(*)::int as n, count(distinct execution_id)::int as d from app_public.execution_transitions
       where execution_id = any($1::uuid[]) and to_state = 'cancelled'`, [even]);
    expect(rows[0]).toEqual({ n: 20, d: 20 });
    // run again: nothing more
    expect(await runBulkAction(db.pool, { teamId, id: a.id })).toMatchObject({ acted: 20 });
  });

  it("a batch larger than the search's page (1,000) takes every match once, across pages", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    expect(await repo.countBulk(teamId, "cancel", { query: { labels: { order: null } } })).toBe(21); // the odd ones and the late one
    const bigWf = (await makeWorkflow(db.pool, teamId, { status: "active" })).id;
    // 1,250 pending executions written set-based as start_execution leaves them (row and first transition)
    await db.pool.query(`
      with e as (
        insert into app_public.executions (team_id, workflow_id, workflow_version, input)
        select $1, $2, 1, jsonb_build_object('bulk', true, 'k', g) from generate_series(1, 1250) g
        returning id, created_at, team_id
      )
      insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at)
      select e.id, e.created_at, 1, e.team_id, null, 'pending', e.created_at from e`, [teamId, bigWf]);
    const query = { input: { contains: { bulk: true } } };
    expect(await repo.countBulk(teamId, "cancel", { query })).toBe(1250);
    const a = await repo.startBulk(teamId, "cancel", { query }, 5000);
    const done = await runBulkAction(db.pool, { teamId, id: a.id });
    expect(done).toMatchObject({ status: "succeeded", processed: 1250, acted: 1250, skipped: 0, steps: 1 });
    const { rows } = await db.pool.query(`
      select count(*)::int as n, count(distinct t.execution_id)::int as d from app_public.execution_transitions t
        join app_public.executions e on e.id = t.execution_id and e.created_at = t.execution_created_at
       where e.workflow_id = $1 and t.to_state = 'cancelled'`, [bigWf]);
    expect(rows[0]).toEqual({ n: 1250, d: 1250 });
    expect(await statesOf(odd)).toEqual({ running: 20 });
  });

  it("delete by query removes only finished matches", async () => {
    const repo = new LifecycleRepository(db.pool).asUser(owner.id);
    const a = await repo.startBulk(teamId, "delete", { query: { labels: { order: "2002" } } }, 10);
    expect(a.expected_count).toBe(1);
    expect(await runBulkAction(db.pool, { teamId, id: a.id })).toMatchObject({ acted: 1, skipped: 0 });
    const { rows } = await db.pool.query("select count(*)::int as n from app_public.executions where id = any($1::uuid[])", [failedEven]);
    expect(rows[0].n).toBe(5);
  });
});
