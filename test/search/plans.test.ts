// Search plans on the hot side: selective queries are served by indexes (GIN jsonb_path_ops on input/output/
// error, trigram on the error text, the labels index), never by a sequential scan of a populated partition.
// The plans are those of the real function (auto_explain logs the statement search_executions_hot runs).
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { seedExecutions, type Seeded } from "../archive/seed.ts";
import { setExecutionLabels } from "../../src/search/index.ts";

const db = useTestDatabase();
let root: pg.Client;
let s: Seeded;

interface PlanNode { "Node Type": string; "Relation Name"?: string; "Index Name"?: string; Plans?: PlanNode[] }
const walk = (n: PlanNode, out: PlanNode[] = []): PlanNode[] => { out.push(n); for (const c of n.Plans ?? []) walk(c, out); return out; };

/** The plans of the statements search_executions_hot runs for this query (logged by auto_explain), as one node list. */
async function planOf(query: unknown): Promise<PlanNode[]> {
  const plans: PlanNode[] = [];
  const onNotice = (m: { message?: string }) => {
    const text = m.message ?? "";
    const i = text.indexOf("{");
    if (!text.includes("search") && i < 0) return;
    try {
      const j = JSON.parse(text.slice(i));
      // the executions statement, and for a label search the label index statement before it
      if (/order by (e|l)\.(execution_)?created_at desc, (e|l)\.(execution_)?id desc limit/.test(String(j["Query Text"] ?? ""))) plans.push(j.Plan);
    } catch { /* not a plan */ }
  };
  root.on("notice", onNotice);
  try {
    await root.query("select count(*) from app_private.search_executions_hot($1, $2::jsonb, null, null, 50)", [s.teamId, JSON.stringify(query)]);
  } finally {
    root.off("notice", onNotice);
  }
  expect(plans.length).toBeGreaterThanOrEqual(1);
  return plans.flatMap((p) => walk(p));
}

beforeAll(async () => {
  s = await seedExecutions(db.pool, { workflows: 2, daysAgo: [3, 2], perDay: 6000, nodeRuns: 1 });
  await db.pool.query(`
    do $$ begin
      alter table app_public.executions disable trigger _200_terminal_immutable;
      update app_public.executions set error = jsonb_build_object('message', 'Timeout after 17s calling the ledger', 'node', 'ledger')
       where id in (select id from app_public.executions where state = 'failed' order by id limit 3);
      alter table app_public.executions enable trigger _200_terminal_immutable;
    end $$`);
  const ids = (await db.pool.query("select id from app_public.executions order by id limit 4")).rows.map((r) => r.id as string);
  for (const id of ids) await setExecutionLabels(db.pool, id, { order: "4711" });
  // many other labels, as a real team has
  await db.pool.query(`
    insert into app_public.execution_labels (team_id, execution_id, execution_created_at, key, value)
    select e.team_id, e.id, e.created_at, k.key, k.key || '-' || (abs(hashtext(e.id::text)) % 50)
      from app_public.executions e cross join (values ('order'), ('customer'), ('env')) k(key)
     where e.id <> all ($1::uuid[])
    on conflict do nothing`, [ids]);
  await db.pool.query("vacuum analyze app_public.executions");
  await db.pool.query("analyze app_public.execution_labels");
  root = new pg.Client({ connectionString: db.rootUrl });
  await root.connect();
  await root.query("load 'auto_explain'");
  await root.query("set auto_explain.log_min_duration = 0; set auto_explain.log_nested_statements = on; set auto_explain.log_format = 'json'; set auto_explain.log_level = 'notice'; set client_min_messages = 'notice'");
}, 300_000);
afterAll(async () => { await root?.end(); });

describe("search: hot plans use indexes for selective queries", { timeout: 120_000 }, () => {
  const selective: [string, unknown, RegExp][] = [
    ["input containment", { input: { contains: { order: 4711 } } }, /input_path|input_idx/],
    ["a JSON path predicate", { input: { matches: "$.order == 4711" } }, /input_path|input_idx/],
    ["an error text", { error_text: "timeout after 17s" }, /error_text|trgm|execution_error_text/],
    ["error containment", { error: { contains: { node: "ledger" } } }, /error_path|error_idx/],
    ["a label", { labels: { order: "4711" } }, /execution_labels/],
  ];
  for (const [what, query, index] of selective) {
    it(`searches by ${what} without a sequential scan of any populated partition`, async () => {
      const nodes = await planOf(query);
      const seq = nodes.filter((n) => n["Node Type"] === "Seq Scan").map((n) => n["Relation Name"]!);
      if (seq.length) {
        const { rows } = await db.pool.query("select relname, reltuples from pg_class where relname = any($1) and reltuples > 0", [seq]);
        expect(rows, `sequential scans in ${JSON.stringify(query)}`).toEqual([]);
      }
      expect(nodes.some((n) => index.test(`${n["Index Name"] ?? ""} ${n["Relation Name"] ?? ""}`)), JSON.stringify(nodes.map((n) => [n["Node Type"], n["Index Name"] ?? n["Relation Name"]]))).toBe(true);
    });
  }

  it("fetches a label search's candidates by their keys: planned for their partitions only", async () => {
    const nodes = await planOf({ labels: { order: "4711" } });
    const partitions = new Set(nodes.map((n) => n["Relation Name"] ?? "").filter((r) => r.startsWith("executions_p")));
    // the seed has executions on two days: every other hot partition is pruned when the statement is planned
    expect(partitions.size).toBeGreaterThan(0);
    expect(partitions.size).toBeLessThanOrEqual(2);
  });

  it("pages a team's recent executions by state through the (team, created_at, id) index, newest first", async () => {
    const from = new Date(Date.now() - 3 * 86400_000).toISOString();
    const nodes = await planOf({ state: "failed", created_from: from });
    expect(nodes.some((n) => n["Node Type"] === "Seq Scan" && n["Relation Name"]?.startsWith("executions_p"))).toBe(false);
    expect(nodes.some((n) => /team_id_created_at/.test(n["Index Name"] ?? ""))).toBe(true);
  });
});
