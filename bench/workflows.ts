// Workflows benchmark (issues 5 and 20): GetWithNodes (repository, and GraphQL over HTTP), create, a one-node
// save, a full save, and the stored bytes per version, on at least 10,000 stored 200-node workflows, beside a
// plain primary-key SELECT measured in the same run.
//
//   npm run bench -- workflows        (BENCH_WORKFLOWS=n stores n workflows; below 10,000 is a flagged smoke run)
//
// Data: one workflow is created through the SQL API (create_workflow); the others are its copies, inserted
// set-based in batches of 1,000 workflows (one INSERT ... SELECT per table per batch) by a superuser session
// with session_replication_role = replica, which skips FK checks and triggers: the rows are consistent by
// construction (checked below). Ids are computed, not looked up: the copies' ids are version-7 UUIDs whose
// time part is per workflow and whose last 48 bits are the row's index, so edges and triggers find their node
// ids without a join, and a copy's GetWithNodes document is the first copy's document (built by
// app_private.workflow_build_graph_document) with the time part of the ids replaced. The load check compares
// stored documents with documents rebuilt from the tables. Everything measured goes through the normal paths
// with RLS: the repository (as the user) and the HTTP server (a signed JWT).
import { SignJWT } from "jose";
import pg from "pg";
import { loadConfig } from "../src/config.ts";
import { currentMigrationSql } from "../src/db/migrate.ts";
import { createHttpApp } from "../src/server/http.ts";
import { WorkflowRepository } from "../src/workflows/repository.ts";
import type { WorkflowDefinition } from "../src/workflows/types.ts";
import { freshBenchDatabase, latencies, percentile, printBench } from "./lib.ts";

const NODES = 200;
const WORKFLOWS = Number(process.env.BENCH_WORKFLOWS ?? 10_000); // below 10,000 only for smoke runs (flagged)
const TEAMS = 20;
const BATCH = 1000;
const ROUNDS = 10;
const JWT_SECRET = "bench-secret-bench-secret-bench-secret!";

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
  console.log(`${label.padEnd(52)} n=${String(xs.length).padStart(5)}  p50=${p50.toFixed(3)} ms  p95=${percentile(xs, 95).toFixed(3)} ms  p99=${p99.toFixed(3)} ms  max=${Math.max(...xs).toFixed(3)} ms`);
  return { p50, p99 };
}

// The copies' ids: version 7 layout (48-bit ms time, version nibble 7, variant 10); kind 0 workflow, 1 node,
// 2 connection, 3 trigger in the version field's low bits; the row's index in the last 48 bits.
const ID_FUNCTION = `
  create function pg_temp.bench_id(base bigint, g integer, kind integer, idx integer) returns uuid
    language sql immutable
  as $$
    select (substr(lpad(to_hex(base + g), 12, '0'), 1, 8) || '-' || substr(lpad(to_hex(base + g), 12, '0'), 9, 4) || '-7'
            || lpad(to_hex(kind), 3, '0') || '-8000-' || lpad(to_hex(idx), 12, '0'))::uuid
  $$`;

async function load(root: pg.Client, protoId: string, teams: string[]): Promise<void> {
  await root.query(ID_FUNCTION);
  await root.query("set session_replication_role = replica");
  const { rows: [{ base }] } = await root.query("select (extract(epoch from now()) * 1000)::bigint - 100000000 as base");
  await root.query(`create temp table pn as select (row_number() over (order by name collate "C") - 1)::int as i, id as proto_id, name, type, type_version,
    parameters, position_x, position_y, disabled from app_public.workflow_nodes where workflow_id = $1`, [protoId]);
  await root.query(`create temp table pc as select (row_number() over (order by c.id) - 1)::int as j, s.i as si, t.i as ti, c.source_output,
    c.source_output_index, c.target_input, c.target_input_index
    from app_public.workflow_connections c join pn s on s.proto_id = c.source_node_id join pn t on t.proto_id = c.target_node_id
    where c.workflow_id = $1`, [protoId]);
  await root.query(`create temp table pt as select (row_number() over (order by t.id) - 1)::int as k, n.i as ni, t.type, t.config, t.enabled
    from app_public.workflow_triggers t left join pn n on n.proto_id = t.node_id where t.workflow_id = $1`, [protoId]);
  let template: { graph: string; prefix: string } | null = null;
  for (let lo = 1; lo < WORKFLOWS; lo += BATCH) {
    const hi = Math.min(WORKFLOWS - 1, lo + BATCH - 1);
    const p = [base, lo, hi, teams, TEAMS];
    const team = "($4::uuid[])[1 + (g % $5::int)]";
    await root.query("begin");
    await root.query(`
      insert into app_public.workflows (id, team_id, name, description, status, settings, tags, current_version, created_by, created_at, updated_at)
      select pg_temp.bench_id($1, g, 0, 0), ${team}, 'bench workflow ' || g, w.description, 'draft', w.settings, array['bench', 't' || (g % 10)],
             1, w.created_by, now(), now()
        from generate_series($2::int, $3::int) g, app_public.workflows w where w.id = $6`, [...p, protoId]);
    await root.query(`
      insert into app_public.workflow_nodes (id, workflow_id, team_id, name, type, type_version, parameters, position_x, position_y, disabled)
      select pg_temp.bench_id($1, g, 1, n.i), pg_temp.bench_id($1, g, 0, 0), ${team}, n.name, n.type, n.type_version, n.parameters,
             n.position_x, n.position_y, n.disabled
        from generate_series($2::int, $3::int) g cross join pn n order by g, n.i`, p);
    await root.query(`
      insert into app_public.workflow_connections (id, workflow_id, team_id, source_node_id, source_output, source_output_index, target_node_id, target_input, target_input_index)
      select pg_temp.bench_id($1, g, 2, c.j), pg_temp.bench_id($1, g, 0, 0), ${team}, pg_temp.bench_id($1, g, 1, c.si), c.source_output,
             c.source_output_index, pg_temp.bench_id($1, g, 1, c.ti), c.target_input, c.target_input_index
        from generate_series($2::int, $3::int) g cross join pc c order by g, c.j`, p);
    await root.query(`
      insert into app_public.workflow_triggers (id, workflow_id, team_id, node_id, type, config, enabled)
      select pg_temp.bench_id($1, g, 3, t.k), pg_temp.bench_id($1, g, 0, 0), ${team},
             case when t.ni is not null then pg_temp.bench_id($1, g, 1, t.ni) end, t.type, t.config, t.enabled
        from generate_series($2::int, $3::int) g cross join pt t order by g, t.k`, p);
    await root.query(`
      insert into app_public.workflow_versions (workflow_id, team_id, version, data, author_id, message, created_at)
      select pg_temp.bench_id($1, g, 0, 0), ${team}, 1,
             v.data || jsonb_build_object('name', 'bench workflow ' || g, 'tags', jsonb_build_array('bench', 't' || (g % 10))), v.author_id, v.message, now()
        from generate_series($2::int, $3::int) g, app_public.workflow_versions v where v.workflow_id = $6 and v.version = 1`, [...p, protoId]);
    if (!template) {
      // the first copy's document, built from its rows by the document builder, is the template of the others
      const { rows: [t] } = await root.query(`select substr(app_private.workflow_build_graph_document(w.id)::text,
          char_length(app_private.workflow_document_head(w)::text) + 15) as graph, left(w.id::text, 13) as prefix
        from app_public.workflows w where w.id = pg_temp.bench_id($1, 1, 0, 0)`, [base]);
      template = { graph: t.graph, prefix: t.prefix };
    }
    await root.query(`
      insert into app_private.workflow_graph_documents (workflow_id, document, head_length, workflow_updated_at, built_at)
      select w.id, ('{"workflow" : ' || h.head || replace($4, $5, left(w.id::text, 13)))::json, char_length(h.head), w.updated_at, now()
        from app_public.workflows w
        cross join lateral (select app_private.workflow_document_head(w)::text as head) h
       where w.id in (select pg_temp.bench_id($1, g, 0, 0) from generate_series($2::int, $3::int) g)`,
      [base, lo, hi, template.graph, template.prefix]);
    await root.query("commit");
    process.stdout.write(`\rloaded ${hi + 1}/${WORKFLOWS} workflows`);
  }
  await root.query("set session_replication_role = origin");
  console.log();
}

export default async function bench(): Promise<void> {
  const db = await freshBenchDatabase("workflows");
  const current = await currentMigrationSql();
  const owner = new pg.Pool({ connectionString: db.ownerUrl, max: 4 });
  const authPool = new pg.Pool({ connectionString: db.authUrl, max: 4 });
  owner.on("error", () => {});
  authPool.on("error", () => {});
  const root = new pg.Client({ connectionString: db.rootUrl });
  root.on("error", () => {});
  await root.connect();
  const config = loadConfig({ NODE_ENV: "production", JWT_SECRET, LOG_LEVEL: "warn" });
  const app = await createHttpApp({ config, authPool, ownerPool: owner });
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
    const proto = await repo.as(actor).createWithVersion(teams[0]!, definition("proto", 0));
    await load(root, proto.id, teams);
    await root.query("vacuum analyze app_public.workflows, app_public.workflow_nodes, app_public.workflow_connections, app_public.workflow_triggers, app_public.workflow_versions, app_private.workflow_graph_documents");
    const { rows: [size] } = await root.query(`select (select count(*) from app_public.workflows) as workflows, (select count(*) from app_public.workflow_nodes) as nodes,
      (select count(*) from app_public.workflow_connections) as connections, (select count(*) from app_private.workflow_graph_documents) as documents,
      pg_size_pretty(pg_database_size(current_database())) as db_size`);
    console.log(`stored: ${size.workflows} workflows, ${size.nodes} nodes, ${size.connections} connections, ${size.documents} documents, database ${size.db_size}; load ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (Number(size.workflows) < 10_000 || Number(size.nodes) < 10_000 * NODES) console.log("!!! SMOKE RUN: fewer than 10,000 workflows stored; not a valid benchmark result !!!");
    // the copies are what the functions would have written: documents equal the ones rebuilt from the rows
    const { rows: bad } = await root.query(`select w.id from (select id from app_public.workflows order by random() limit 20) w
      join app_private.workflow_graph_documents d on d.workflow_id = w.id
     where d.document::jsonb is distinct from app_private.workflow_build_graph_document(w.id)::jsonb`);
    if (bad.length) throw new Error(`seeded documents differ from the rebuilt ones: ${bad.map((r) => r.id).join(", ")}`);

    const { rows: idRows } = await owner.query("select id from app_public.workflows order by random() limit 3000");
    const ids = idRows.map((r) => r.id as string);
    const readIds = ids.slice(0, 2000);
    const pick = (i: number) => readIds[(i * 7919) % readIds.length]!;
    const enough = ids.length >= 2000 + 70 * ROUNDS; // a smoke run reuses the read ids
    const smallIds = enough ? ids.slice(2000, 2000 + 30 * ROUNDS) : ids;
    const fullIds = enough ? ids.slice(2000 + 30 * ROUNDS, 2000 + 40 * ROUNDS) : ids;
    const patchIds = enough ? ids.slice(2000 + 40 * ROUNDS, 2000 + 70 * ROUNDS) : ids;

    // --- measurements (interleaved rounds so machine noise hits every series alike) ------------------------
    const check = await repo.as(actor).getWithNodes(pick(1));
    if (check.nodes.length !== NODES || check.connections.length !== NODES - 1 || check.triggers.length !== 1) throw new Error("unexpected graph shape");

    const { url } = await app.listen(0, "127.0.0.1");
    const token = await new SignJWT({ user_id: actor.userId }).setProtectedHeader({ alg: "HS256" }).setSubject(actor.userId)
      .setIssuedAt().setExpirationTime("2h").sign(new TextEncoder().encode(JWT_SECRET));
    const gqlBody = (id: string) => JSON.stringify({ query: "query($id: UUID!) { workflowGraph(workflowId: $id) }", variables: { id } });
    const httpGet = async (id: string) => {
      const res = await fetch(`${url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: gqlBody(id) });
      const body = (await res.json()) as { data?: { workflowGraph?: { nodes: unknown[] } }; errors?: unknown };
      if (res.status !== 200 || body.errors || body.data?.workflowGraph?.nodes.length !== NODES) throw new Error(`GraphQL get failed: ${JSON.stringify(body).slice(0, 300)}`);
    };
    const pkSql = "select id, team_id, name, status, current_version, updated_at from app_public.workflows where id = $1";

    // the editor's copy of each workflow it saves: a one-node change mutates one node of it per save
    const base = definition("unused", 0);
    const { name: _n, tags: _t, ...graphDef } = base; // absent name/tags keep the stored ones
    const editors = new Map<string, { def: WorkflowDefinition; version: number; edits: number }>();
    const editor = (id: string) => {
      let e = editors.get(id);
      if (!e) editors.set(id, e = { def: structuredClone(graphDef), version: 1, edits: 0 });
      return e;
    };

    for (let i = 0; i < 50; i++) { // warm up every path
      await owner.query(pkSql, [pick(i)]);
      await repo.as(actor).getWithNodes(pick(i));
      await httpGet(pick(i));
    }
    // warm up the writers too (a backend's first create or save plans every statement of the functions), on
    // workflows of their own, so the measured ones start from version 1
    for (let i = 0; i < 10; i++) {
      const w = await repo.as(actor).createWithVersion(teams[i % TEAMS]!, definition(`bench warm-up ${i}`, 100_000 + i));
      const e = { def: structuredClone(graphDef), version: 1 };
      e.def.nodes![i % NODES]!.parameters = { ...e.def.nodes![i % NODES]!.parameters, retries: 1 };
      await repo.as(actor).save(w.id, e.version, e.def, "warm-up");
      await repo.as(actor).patch(w.id, e.version + 1, { nodes: [{ ...e.def.nodes![(i + 1) % NODES]!, parameters: { retries: 2 } }] }, "warm-up");
    }
    // the seed wrote ~1 GB: flush it now, so the measured phase does not share the disk with its checkpoint
    await root.query("checkpoint");

    const pk: number[] = [], get: number[] = [], gql: number[] = [], create: number[] = [], small: number[] = [], full: number[] = [], patched: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      pk.push(...await latencies(300, (i) => owner.query(pkSql, [pick(round * 300 + i)])));
      get.push(...await latencies(300, (i) => repo.as(actor).getWithNodes(pick(round * 300 + i))));
      gql.push(...await latencies(100, (i) => httpGet(pick(round * 100 + i))));
      create.push(...await latencies(10, (i) => repo.as(actor).createWithVersion(teams[i % TEAMS]!, definition(`bench created ${round}-${i}`, round * 10 + i))));
      small.push(...await latencies(30, async (i) => {
        const id = smallIds[(round * 30 + i) % smallIds.length]!;
        const e = editor(id);
        const node = e.def.nodes![(e.edits * 37 + 11) % NODES]!;
        node.parameters = { ...node.parameters, retries: 10 + e.edits };
        await repo.as(actor).save(id, e.version, e.def, "one node");
        e.version++; e.edits++;
      }));
      // the editor's autosave of the same one-node edit as a patch (patch_workflow): only the changed node is sent
      patched.push(...await latencies(30, async (i) => {
        const id = patchIds[(round * 30 + i) % patchIds.length]!;
        const e = editor(id);
        const node = e.def.nodes![(e.edits * 37 + 11) % NODES]!;
        node.parameters = { ...node.parameters, retries: 10 + e.edits };
        await repo.as(actor).patch(id, e.version, { nodes: [node] }, "one node");
        e.version++; e.edits++;
      }));
      full.push(...await latencies(10, async (i) => {
        const id = fullIds[(round * 10 + i) % fullIds.length]!;
        const e = editor(id);
        e.edits++;
        for (const n of e.def.nodes!) n.parameters = { ...n.parameters, body: { template: "{{ $json.x }}", seed: e.edits } };
        await repo.as(actor).save(id, e.version, e.def, "every node");
        e.version++;
      }));
    }

    console.log(`\n${WORKFLOWS} workflows x ${NODES} nodes; GetWithNodes returns ${NODES} nodes, ${NODES - 1} connections, 1 trigger`);
    const pkS = stats("plain primary-key SELECT (1 round trip)", pk);
    const getS = stats("GetWithNodes (repository: tx as visitor + 1 statement)", get);
    const gqlS = stats("GetWithNodes over HTTP (GraphQL workflowGraph, JWT)", gql);
    const createS = stats("Create (repository, 200 nodes, 199 connections)", create);
    const smallFullS = stats("Save, one node's parameters changed (whole definition)", small);
    const smallS = stats("Save, one node's parameters changed (patch_workflow)", patched);
    const fullS = stats("Save, every node's parameters changed (200 nodes)", full);
    const { rows: [vb] } = await owner.query(`select avg(pg_column_size(data))::int as stored, avg(octet_length(data::text))::int as json, count(*) as n,
      (select pg_column_compression(data) from app_public.workflow_versions limit 1) as method from app_public.workflow_versions`);
    const { rows: [doc] } = await owner.query(`select avg(octet_length(document::text))::int as json, avg(pg_column_size(document))::int as stored
      from (select document from app_private.workflow_graph_documents limit 50) d`);
    console.log(`versions: ${vb.n}, average ${vb.stored} bytes stored (${vb.method}) for ${vb.json} bytes of snapshot JSON`);
    console.log(`GetWithNodes document: ~${doc.json} bytes of JSON, ${doc.stored} bytes stored`);
    console.log(`targets: create p99 < 15 ms ${createS.p99 < 15 ? "met" : "NOT met"}; one-node save (patch) p99 < 5 ms ${smallS.p99 < 5 ? "met" : "NOT met"}; ` +
      `save p99 < 20 ms ${fullS.p99 < 20 ? "met" : "NOT met"}; get p99 < 3 ms ${getS.p99 < 3 ? "met" : "NOT met"}; HTTP get p99 < 5 ms ${gqlS.p99 < 5 ? "met" : "NOT met"}`);
    printBench("workflows", {
      get_p50_ms: getS.p50, get_p99_ms: getS.p99, graphql_get_p99_ms: gqlS.p99, create_p99_ms: createS.p99, save_small_p99_ms: smallS.p99,
      save_small_full_p99_ms: smallFullS.p99, save_p99_ms: fullS.p99, version_bytes: vb.stored, pk_select_p99_ms: pkS.p99,
    });
  } finally {
    await app.close().catch(() => {});
    await root.end().catch(() => {});
    await owner.end().catch(() => {});
    await authPool.end().catch(() => {});
    if (!process.env.BENCH_KEEP) await db.drop().catch(() => {});
  }
}
