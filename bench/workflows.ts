// Workflows benchmark: GetWithNodes (repository and GraphQL) and Save on 200-node workflows with at least
// 10,000 workflows stored, each beside a plain primary-key SELECT measured in the same run.
//
//   npm run bench -- workflows        (BENCH_WORKFLOWS=n to store more; BENCH_SECONDS does not apply)
//
// Data: one workflow is created through the SQL API (create_workflow); the others are bulk-copied from it
// with INSERT ... SELECT generate_series in batches (same 200 nodes, 199 connections, 1 trigger and a
// version-1 snapshot each). The bulk copy runs with session_replication_role = replica (a superuser
// session), which skips FK and trigger checks: the rows are consistent by construction, and this takes the
// load from minutes to seconds. Everything measured afterwards goes through the normal paths with RLS.
import { readFile } from "node:fs/promises";
import path from "node:path";
import pg from "pg";
import { postgraphile } from "postgraphile";
import { grafast } from "postgraphile/grafast";
import { loadConfig } from "../src/config.ts";
import { PROJECT_ROOT } from "../src/db/migrate.ts";
import { ROLES } from "../src/db/roles.ts";
import { makePreset } from "../src/server/preset.ts";
import { WorkflowRepository } from "../src/workflows/repository.ts";
import type { WorkflowDefinition } from "../src/workflows/types.ts";
import { freshBenchDatabase, latencies, percentile, printBench } from "./lib.ts";

const NODES = 200;
const WORKFLOWS = Number(process.env.BENCH_WORKFLOWS ?? 10_000); // below 10,000 only for smoke runs (flagged)
const TEAMS = 20;
const BATCH = 500;

function definition(name: string, seed: number): WorkflowDefinition {
  const nodes = Array.from({ length: NODES }, (_, i) => ({
    name: `node_${String(i).padStart(3, "0")}`,
    type: i === 0 ? "trigger.schedule" : i % 3 === 0 ? "code.javascript" : "http.request",
    type_version: 1 + (i % 2),
    parameters: {
      url: `https://api.example.com/v1/resource/${i}`, method: i % 2 ? "POST" : "GET", retries: i % 4, timeout_ms: 5000 + i,
      headers: { "content-type": "application/json", "x-step": String(i) }, body: { template: `{{ $json.item_${i} }}`, seed },
    },
    position: [(i % 20) * 220, Math.floor(i / 20) * 160] as [number, number],
  }));
  const connections = nodes.slice(1).map((n, i) => ({ source: nodes[i]!.name, target: n.name }));
  return { name, description: "benchmark workflow", tags: ["bench", `t${seed % 10}`], settings: { timezone: "UTC", save_executions: true },
    nodes, connections, triggers: [{ type: "schedule", config: { cron: "*/5 * * * *" }, node: "node_000" }] };
}

function stats(label: string, xs: number[]): { p50: number; p99: number } {
  const p50 = percentile(xs, 50), p99 = percentile(xs, 99);
  console.log(`${label.padEnd(44)} n=${String(xs.length).padStart(5)}  p50=${p50.toFixed(3)} ms  p95=${percentile(xs, 95).toFixed(3)} ms  p99=${p99.toFixed(3)} ms  max=${Math.max(...xs).toFixed(3)} ms`);
  return { p50, p99 };
}

export default async function bench(): Promise<void> {
  const db = await freshBenchDatabase("workflows");
  const current = await readFile(path.join(PROJECT_ROOT, "current.sql"), "utf8").catch(() => "");
  const owner = new pg.Pool({ connectionString: db.ownerUrl, max: 4 });
  const authPool = new pg.Pool({ connectionString: db.authUrl, max: 4 });
  owner.on("error", () => {});
  authPool.on("error", () => {});
  const root = new pg.Client({ connectionString: db.rootUrl });
  root.on("error", () => {});
  await root.connect();
  try {
    if (current.replace(/--.*$/gm, "").trim()) await owner.query(current); // the work in progress, until committed

    // --- data ------------------------------------------------------------------------------------------
    const t0 = Date.now();
    const { rows: [user] } = await owner.query("insert into app_public.users (email, name) values ('bench@example.com', 'Bench') returning id");
    const teams: string[] = [];
    for (let i = 0; i < TEAMS; i++) {
      const { rows } = await owner.query("insert into app_public.teams (slug, name) values ($1, $2) returning id", [`bench-${i}`, `bench-${i}`]);
      teams.push(rows[0].id);
      await owner.query("insert into app_public.team_memberships (team_id, user_id, role) values ($1, $2, 'editor')", [rows[0].id, user.id]);
    }
    const repo = new WorkflowRepository(owner);
    const actor = { userId: user.id as string };
    const proto = await repo.createWithVersion(actor, teams[0]!, definition("proto", 0));
    await root.query("set session_replication_role = replica");
    for (let done = 1; done < WORKFLOWS; done += BATCH) {
      const n = Math.min(BATCH, WORKFLOWS - done);
      await root.query("begin");
      await root.query(`
        create temporary table batch on commit drop as
        select app_public.uuid_generate_v7() as id, ($3::uuid[])[1 + (g % $4)] as team_id, 'bench workflow ' || g as name, g
          from generate_series($1::int, $1::int + $2::int - 1) g`, [done, n, teams, TEAMS]);
      await root.query(`
        insert into app_public.workflows (id, team_id, name, description, status, settings, tags, current_version, created_by, created_at, updated_at)
        select b.id, b.team_id, b.name, p.description, p.status, p.settings, array['bench', 't' || (b.g % 10)], 1, p.created_by, now(), now()
          from batch b, app_public.workflows p where p.id = $1`, [proto.id]);
      await root.query(`
        insert into app_public.workflow_nodes (id, workflow_id, team_id, name, type, type_version, parameters, position_x, position_y, disabled)
        select app_public.uuid_generate_v7(), b.id, b.team_id, n.name, n.type, n.type_version, n.parameters, n.position_x, n.position_y, n.disabled
          from batch b, app_public.workflow_nodes n where n.workflow_id = $1`, [proto.id]);
      await root.query(`
        insert into app_public.workflow_connections (workflow_id, team_id, source_node_id, source_output, source_output_index, target_node_id, target_input, target_input_index)
        select b.id, b.team_id, s2.id, c.source_output, c.source_output_index, t2.id, c.target_input, c.target_input_index
          from app_public.workflow_connections c
          join app_public.workflow_nodes s on s.id = c.source_node_id
          join app_public.workflow_nodes t on t.id = c.target_node_id
          cross join batch b
          join app_public.workflow_nodes s2 on s2.workflow_id = b.id and s2.name = s.name
          join app_public.workflow_nodes t2 on t2.workflow_id = b.id and t2.name = t.name
         where c.workflow_id = $1`, [proto.id]);
      await root.query(`
        insert into app_public.workflow_triggers (workflow_id, team_id, node_id, type, config, enabled)
        select b.id, b.team_id, n2.id, tr.type, tr.config, tr.enabled
          from app_public.workflow_triggers tr join app_public.workflow_nodes n on n.id = tr.node_id
          cross join batch b join app_public.workflow_nodes n2 on n2.workflow_id = b.id and n2.name = n.name
         where tr.workflow_id = $1`, [proto.id]);
      await root.query(`
        insert into app_public.workflow_versions (workflow_id, team_id, version, data, author_id, message)
        select b.id, b.team_id, 1, v.data || jsonb_build_object('name', b.name), v.author_id, v.message
          from batch b, app_public.workflow_versions v where v.workflow_id = $1 and v.version = 1`, [proto.id]);
      // the graph documents the workflow functions write after every create/save
      await root.query("select count(app_private.workflow_refresh_graph_document(b.id)) from batch b");
      await root.query("commit");
      process.stdout.write(`\rloaded ${done + n}/${WORKFLOWS} workflows`);
    }
    await root.query("set session_replication_role = origin");
    console.log();
    await root.query("vacuum analyze app_public.workflows, app_public.workflow_nodes, app_public.workflow_connections, app_public.workflow_triggers, app_public.workflow_versions");
    const { rows: [size] } = await root.query(`select (select count(*) from app_public.workflows) as workflows, (select count(*) from app_public.workflow_nodes) as nodes,
      (select count(*) from app_public.workflow_connections) as connections, pg_size_pretty(pg_database_size(current_database())) as db_size`);
    console.log(`stored: ${size.workflows} workflows, ${size.nodes} nodes, ${size.connections} connections, database ${size.db_size}; load ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (Number(size.workflows) < 10_000 || Number(size.nodes) < 10_000 * NODES) console.log("!!! SMOKE RUN: fewer than 10,000 workflows stored; not a valid benchmark result !!!");

    const { rows: idRows } = await owner.query("select id from app_public.workflows order by random() limit 2000");
    const ids = idRows.map((r) => r.id as string);
    const pick = (i: number) => ids[(i * 7919) % ids.length]!;

    // --- measurements (interleaved rounds so machine noise hits every series alike) ------------------------
    const check = await repo.getWithNodes(actor, pick(1));
    if (check.nodes.length !== NODES || check.connections.length !== NODES - 1 || check.triggers.length !== 1) throw new Error("unexpected graph shape");

    const pkSql = "select id, team_id, name, status, current_version, updated_at from app_public.workflows where id = $1";
    const pgl = postgraphile(makePreset({ config: loadConfig({ NODE_ENV: "production", JWT_SECRET: "bench-secret-bench-secret-bench-secret!" }), authPool }));
    const { schema, resolvedPreset } = await pgl.getSchemaResult();
    const gqlDocSource = `query($id: UUID!) { workflowGraph(workflowId: $id) }`;
    const gqlSource = `query($id: UUID!) { workflow(rowId: $id) {
      rowId name status currentVersion settings tags
      workflowNodes { nodes { rowId name type typeVersion parameters positionX positionY disabled } }
      workflowLinks { nodes { rowId sourceNodeId sourceOutput sourceOutputIndex targetNodeId targetInput targetInputIndex } }
      workflowTriggers { nodes { rowId type config enabled nodeId } } } }`;
    const pgSettings = { role: ROLES.visitor, "jwt.claims.user_id": actor.userId };
    const gqlGetDoc = async (id: string) => {
      const r = (await grafast({ schema, resolvedPreset, source: gqlDocSource, variableValues: { id }, requestContext: { linkflowPgSettings: pgSettings } as never })) as { data?: any; errors?: unknown[] };
      if (r.errors || r.data.workflowGraph.nodes.length !== NODES) throw new Error(`GraphQL get failed: ${JSON.stringify(r.errors)}`);
    };
    const gqlGet = async (id: string) => {
      const r = (await grafast({ schema, resolvedPreset, source: gqlSource, variableValues: { id }, requestContext: { linkflowPgSettings: pgSettings } as never })) as { data?: any; errors?: unknown[] };
      if (r.errors || r.data.workflow.workflowNodes.nodes.length !== NODES) throw new Error(`GraphQL get failed: ${JSON.stringify(r.errors)}`);
    };
    const graphOnly = await owner.connect(); // the single statement alone, as the visitor in one session
    await graphOnly.query("select set_config('role', $1, false), set_config('jwt.claims.user_id', $2, false)", [ROLES.visitor, actor.userId]);

    // warm up every path
    for (let i = 0; i < 100; i++) {
      await owner.query(pkSql, [pick(i)]);
      await repo.getWithNodes(actor, pick(i));
      await gqlGet(pick(i));
      await gqlGetDoc(pick(i));
    }

    const pk: number[] = [], get: number[] = [], graph: number[] = [], gql: number[] = [], gqlDoc: number[] = [], save: number[] = [], savePk: number[] = [];
    const ROUNDS = 10;
    const saveTargets = ids.slice(0, 30 * ROUNDS);
    const versions = new Map<string, number>();
    for (let round = 0; round < ROUNDS; round++) {
      pk.push(...await latencies(300, (i) => owner.query(pkSql, [pick(round * 300 + i)])));
      get.push(...await latencies(300, (i) => repo.getWithNodes(actor, pick(round * 300 + i))));
      graph.push(...await latencies(100, (i) => graphOnly.query("select app_public.workflow_graph($1) as g", [pick(round * 100 + i)])));
      gqlDoc.push(...await latencies(100, (i) => gqlGetDoc(pick(round * 100 + i))));
      gql.push(...await latencies(50, (i) => gqlGet(pick(round * 50 + i))));
      // a typical editor save: the full 200-node definition with a few nodes' parameters changed
      save.push(...await latencies(30, async (i) => {
        const id = saveTargets[round * 30 + i]!;
        const v = versions.get(id) ?? 1;
        const def = definition(`bench workflow saved ${round}-${i}`, round * 1000 + i);
        await repo.save(actor, id, v, def, "bench save");
        versions.set(id, v + 1);
      }));
      savePk.push(...await latencies(30, (i) => owner.query(pkSql, [pick(round * 30 + i)])));
    }
    graphOnly.release();

    console.log(`\n${WORKFLOWS} workflows x ${NODES} nodes; GetWithNodes returns ${NODES} nodes, ${NODES - 1} connections, 1 trigger`);
    const pkS = stats("plain primary-key SELECT (1 round trip)", pk);
    const getS = stats("GetWithNodes (repository: tx as visitor + 1 statement)", get);
    stats("workflow_graph() statement alone", graph);
    const gqlS = stats("GraphQL GetWithNodes: workflowGraph query", gqlDoc);
    stats("GraphQL nested relations (nodes/links/triggers)", gql);
    const saveS = stats("Save (repository, 200-node definition)", save);
    stats("plain primary-key SELECT during saves", savePk);
    const { rows: [sz] } = await owner.query(
      "select avg(length(app_public.workflow_graph(id)::text))::int as bytes from (select id from app_public.workflows limit 20) x");
    console.log(`GetWithNodes document: ~${sz.bytes} bytes of JSON`);
    console.log(`required: get p99 < 50 ms -> ${getS.p99 < 50 ? "met" : "NOT met"}; target: get p99 < 3 ms -> ${getS.p99 < 3 ? "met" : "not met"}`);
    await pgl.release();
    printBench("workflows", {
      get_p50_ms: getS.p50, get_p99_ms: getS.p99, save_p99_ms: saveS.p99, graphql_get_p99_ms: gqlS.p99, pk_select_p99_ms: pkS.p99,
    });
  } finally {
    await root.end().catch(() => {});
    await owner.end().catch(() => {});
    await authPool.end().catch(() => {});
    if (!process.env.BENCH_KEEP) await db.drop().catch(() => {});
  }
}
