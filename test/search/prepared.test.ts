// Hot search statements prepared per query shape (app_private.search_prepare): the same shape with other values
// reuses one statement and answers for its own values; a session keeps at most 16 shapes; content searches walk
// windows newest first and stop when the page is full, with the same rows as one statement over the whole range.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { seedExecutions, type Seeded } from "../archive/seed.ts";

const db = useTestDatabase();
let client: pg.Client;
let s: Seeded;

const ids = async (query: unknown, pageSize = 50, after: [string, string] | null = null): Promise<string[]> =>
  (await client.query("select id from app_private.search_executions_hot($1, $2::jsonb, $3, $4, $5)",
    [s.teamId, JSON.stringify(query), after?.[0] ?? null, after?.[1] ?? null, pageSize])).rows.map((r) => r.id as string);
const prepared = async (): Promise<number> =>
  (await client.query("select count(*)::int n from pg_prepared_statements where name like 'lf\\_search\\_%'")).rows[0].n as number;

beforeAll(async () => {
  s = await seedExecutions(db.pool, { workflows: 2, daysAgo: [40, 20, 9, 3, 1], perDay: 12 });
  client = new pg.Client({ connectionString: db.ownerUrl });
  await client.connect();
}, 120_000);
afterAll(async () => { await client?.end(); });

describe("search: statements prepared per query shape", { timeout: 60_000 }, () => {
  it("reuses one statement for one shape and answers for each query's values", async () => {
    const brute = async (order: number) => (await db.pool.query(
      "select id from app_public.executions where team_id = $1 and input @> $2::jsonb order by created_at desc, id desc",
      [s.teamId, JSON.stringify({ order })])).rows.map((r) => r.id as string);
    const before = await prepared();
    for (const order of [1, 5, 12, 99]) expect(await ids({ input: { contains: { order } } })).toEqual(await brute(order));
    expect(await prepared()).toBe(before + 1);
  });

  it("pages a broad content search window by window with the rows of one ordered scan", async () => {
    const all = (await db.pool.query(
      "select e.id, e.created_at::text as created_at from app_public.executions e where e.team_id = $1 and e.output @> '{\"ok\": true}' order by e.created_at desc, e.id desc",
      [s.teamId])).rows as { id: string; created_at: string }[];
    const got: string[] = [];
    let after: [string, string] | null = null;
    for (;;) {
      const page = await ids({ output: { contains: { ok: true } } }, 7, after);
      got.push(...page);
      if (page.length < 7) break;
      const last = all.find((r) => r.id === page[page.length - 1])!;
      after = [last.created_at, last.id];
    }
    expect(got).toEqual(all.map((r) => r.id));
  });

  it("keeps at most 16 shapes in a session", async () => {
    const fields = ["state", "trigger_type", "created_from", "created_before", "attempt", "duration_ms", "workflow_id"];
    const values: Record<string, unknown> = {
      state: "failed", trigger_type: "webhook", created_from: "2020-01-01T00:00:00Z", created_before: "2100-01-01T00:00:00Z",
      attempt: { min: 1 }, duration_ms: { max: 100000 }, workflow_id: s.workflowIds,
    };
    for (let mask = 1; mask < 100; mask++) {
      const query = Object.fromEntries(fields.filter((_, i) => mask & (1 << i)).map((f) => [f, values[f]]));
      await ids(query);
      expect(await prepared()).toBeLessThanOrEqual(16);
    }
    const failed = (await db.pool.query("select count(*)::int n from app_public.executions where team_id = $1 and state = 'failed'", [s.teamId])).rows[0].n;
    expect((await ids({ state: "failed" }, 1000)).length).toBe(failed);
  });
});
