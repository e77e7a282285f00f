// `npm run bench -- live`: the live API under load. This process runs the GraphQL server (one live hub); child
// processes (bench/support/live-clients.ts, BENCH_LIVE_CLIENT_PROCESSES, default 1) open BENCH_LIVE_SUBSCRIBERS real
// WebSocket subscribers (the graphql-ws client library; BENCH_LIVE_CLIENT=raw speaks its protocol directly over ws)
// spread over BENCH_LIVE_TEAMS teams, each subscribed to its team's
// executionUpdates, while writers make BENCH_LIVE_RATE execution transitions per second: a rate-limited pgbench run
// (pgbench -R, 16 clients, C) calling the engine as group commit does, BENCH_LIVE_BATCH moves per transaction
// (default 8; 1 = one app_private.transition_execution per transaction).
// Reported: delivery latency p50/p99 (event created_at, i.e. the writing transaction's start, to message received;
// the writers' first 5 s are a warm-up, delivered and checked but not timed), messages delivered per second, server
// CPU per 1,000 messages, database queries of the server per 1,000 messages, and gaps, duplicates and out-of-order
// sequences counted against the event log (each subscriber must receive exactly its team's events after its first
// one, in log order, once). BENCH_LIVE_TRACE=1 prints the largest latency per 250 ms.
import { execFile, fork } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { loadConfig } from "../src/config.ts";
import { createPool } from "../src/db/pool.ts";
import { createHttpApp } from "../src/server/http.ts";
import { freshBenchDatabase, pgBin, phaseSeconds, printBench } from "./lib.ts";

const WRITERS = 16;
/** Writers run this long before the timed phase (BENCH_SECONDS): their 16 backends are new and plan their first calls. */
const WARMUP_MS = 5000;
const EXECUTIONS_PER_WRITER = 8;

/**
 * The writers: pgbench at a fixed rate, 16 clients, writing as an engine with group commit does (the service path of
 * ExecutionsRepository coalesces concurrent calls into one app_private.apply_execution_transitions per window):
 * each pgbench transaction moves BENCH_LIVE_BATCH executions of its client (c, 0..7) one step through
 * queued -> running -> failed -> queued ... (a counter n kept per client), so no two clients move one execution.
 * BENCH_LIVE_BATCH=1 writes one app_private.transition_execution per transaction instead (on this 2-core machine
 * single moves at 1,000/s take the whole CPU: the writers then starve the server and the subscribers).
 * runWriters returns the transitions written.
 */
async function prepareWriters(ownerUrl: string, teams: { id: string; workflowId: string }[], batch: number): Promise<void> {
  const c = new pg.Client({ connectionString: ownerUrl });
  await c.connect();
  await c.query(`
    create table public.bench_live_executions (client integer, slot integer, id uuid, primary key (client, slot));
    create function public.bench_live_move(p_client integer, p_n integer) returns void language sql volatile as $$
      select null::void from app_private.transition_execution(
        (select b.id from public.bench_live_executions b where b.client = p_client and b.slot = p_n % ${EXECUTIONS_PER_WRITER}),
        (array['queued', 'running', 'failed'])[(p_n / ${EXECUTIONS_PER_WRITER}) % 3 + 1], null, null, null, false)
    $$;
    create function public.bench_live_move_batch(p_client integer, p_n integer) returns void language sql volatile as $$
      select null::void from app_private.apply_execution_transitions(
        (select jsonb_agg(jsonb_build_object('id', b.id, 'to_state', (array['queued', 'running', 'failed'])[p_n % 3 + 1]) order by b.slot)
           from public.bench_live_executions b where b.client = p_client and b.slot < ${batch}),
        null, false) limit 1
    $$;`);
  for (let client = 0; client < WRITERS; client++) {
    for (let slot = 0; slot < EXECUTIONS_PER_WRITER; slot++) {
      const team = teams[(client * EXECUTIONS_PER_WRITER + slot) % teams.length]!;
      await c.query(`insert into public.bench_live_executions
        select $1, $2, id from app_private.start_execution($3, 'manual', null, null, null, false)`, [client, slot, team.workflowId]);
    }
  }
  await c.end();
}

async function runWriters(ownerUrl: string, rate: number, seconds: number, batch: number): Promise<number> {
  const dir = await mkdtemp(path.join(tmpdir(), "lf-bench-live-"));
  try {
    const script = path.join(dir, "move.sql");
    await writeFile(script, batch === 1
      ? "\\set n :n + 1\nselect public.bench_live_move(:client_id, :n - 1);\n"
      : "\\set n :n + 1\nselect public.bench_live_move_batch(:client_id, :n - 1);\n");
    const { stdout } = await promisify(execFile)(pgBin("pgbench"), [
      "-n", "-f", script, "-D", "n=0", "-c", String(WRITERS), "-j", "2", "-R", String(rate / batch), "-T", String(seconds), ownerUrl,
    ], { maxBuffer: 1 << 24 });
    const m = /number of transactions actually processed: (\d+)/.exec(stdout);
    if (!m) throw new Error(`could not parse pgbench output:\n${stdout}`);
    const failed = /number of failed transactions: (\d+)/.exec(stdout);
    if (failed && Number(failed[1]) > 0) throw new Error(`pgbench writers failed:\n${stdout}`);
    const lag = /schedule lag: avg ([\d.]+)/.exec(stdout);
    if (lag) console.log(`writers: pgbench schedule lag avg ${lag[1]} ms (how far the writers fell behind the rate)`);
    return Number(m[1]) * batch;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const SECRET = "linkflow-bench-secret-at-least-32-characters";

export default async function main(): Promise<void> {
  const subscribers = Number(process.env.BENCH_LIVE_SUBSCRIBERS ?? 1000);
  const teams = Number(process.env.BENCH_LIVE_TEAMS ?? 50);
  const rate = Number(process.env.BENCH_LIVE_RATE ?? 1000);
  const batch = Number(process.env.BENCH_LIVE_BATCH ?? 8);
  if (!Number.isInteger(batch) || batch < 1 || batch > EXECUTIONS_PER_WRITER) throw new Error(`BENCH_LIVE_BATCH must be 1..${EXECUTIONS_PER_WRITER}`);
  const seconds = phaseSeconds(20);
  const db = await freshBenchDatabase("live");
  const settings = { max: 10, idleTimeoutMs: 10_000, connectionTimeoutMs: 10_000, statementTimeoutMs: 60_000, applicationName: "bench-live" };
  const owner = createPool(db.ownerUrl, settings, "bench-owner");
  const auth = createPool(db.authUrl, settings, "bench-auth");
  let queries = 0;
  const query = owner.query.bind(owner) as (...a: unknown[]) => unknown;
  (owner as unknown as { query: unknown }).query = (...a: unknown[]) => { queries++; return query(...a); };

  // Teams, one member per subscriber, one active workflow per team.
  const seed = new pg.Client({ connectionString: db.ownerUrl });
  await seed.connect();
  const { rows: teamRows } = await seed.query<{ id: string; workflow_id: string }>(
    "insert into app_public.teams (slug, name) select 'live-' || g, 'live ' || g from generate_series(1, $1) g returning id, null::uuid as workflow_id", [teams]);
  for (const t of teamRows) {
    const { rows } = await seed.query("insert into app_public.workflows (team_id, name, status) values ($1, 'live', 'active') returning id", [t.id]);
    await seed.query("insert into app_public.workflow_versions (workflow_id, team_id, version, data) values ($1, $2, 1, '{}')", [rows[0].id, t.id]);
    t.workflow_id = rows[0].id;
  }
  const users: { userId: string; teamId: string }[] = [];
  for (let i = 0; i < subscribers; i++) {
    const team = teamRows[i % teams]!;
    const { rows } = await seed.query("insert into app_public.users (email, name) values ($1, 'live') returning id", [`live-${i}@example.com`]);
    await seed.query("insert into app_public.team_memberships (team_id, user_id, role) values ($1, $2, 'viewer')", [team.id, rows[0].id]);
    users.push({ userId: rows[0].id, teamId: team.id });
  }
  await seed.end();

  const config = loadConfig({ NODE_ENV: "production", JWT_SECRET: SECRET, LIVE_POLL_MS: process.env.LIVE_POLL_MS ?? "20",
    LIVE_MAX_SUBSCRIBERS: String(subscribers * 2), LOG_LEVEL: "warn" });
  const app = await createHttpApp({ config, authPool: auth, ownerPool: owner });
  const { url } = await app.listen(0, "127.0.0.1");
  console.log(`server ${url}; ${subscribers} subscribers over ${teams} teams; writers at ${rate} transitions/s (${batch} per transaction) for ${WARMUP_MS / 1000}s of warm-up (not timed) and ${seconds}s`);

  // The subscribers live in BENCH_LIVE_CLIENT_PROCESSES child processes (default 1), users dealt round-robin; each
  // subscribes over its own WebSocket (the graphql-ws client; BENCH_LIVE_CLIENT=raw: the protocol spoken directly).
  const here = path.dirname(fileURLToPath(import.meta.url));
  const procs = Math.max(1, Number(process.env.BENCH_LIVE_CLIENT_PROCESSES ?? 1));
  const children = Array.from({ length: procs }, () => fork(path.join(here, "support", "live-clients.ts"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] }));
  /** Sends each child its message (by the child's index) and waits for every answer. */
  const ask = (message: (k: number) => unknown) => Promise.all(children.map((child, k) => new Promise<any>((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`clients exited (${code})`)));
    child.send(message(k) as never);
  })));
  await ask((k) => ({ kind: "connect", url, secret: SECRET, users: users.filter((_, i) => i % procs === k) })); // connected and subscribed
  while (app.live!.subscriberCount < subscribers) await new Promise((r) => setTimeout(r, 50));
  await prepareWriters(db.ownerUrl, teamRows.map((t) => ({ id: t.id, workflowId: t.workflow_id })), batch);
  await new Promise((r) => setTimeout(r, 1000)); // the writers' ExecutionCreated events are delivered before measuring
  const cpu0 = process.cpuUsage();
  const q0 = queries;
  const t0 = Date.now();
  // The first WARMUP_MS of writes are delivered and checked but not timed: the 16 writer backends are new and plan
  // their first engine calls then (on this 2-core machine that alone delays their first commits by up to a second,
  // and the backlog it leaves takes seconds to drain while the writers go on at full rate).
  const latencyFrom = Date.now() + WARMUP_MS;
  await ask(() => ({ kind: "measure", latencyFrom }));
  const written = await runWriters(db.ownerUrl, rate, seconds + WARMUP_MS / 1000, batch);
  await new Promise((r) => setTimeout(r, 3000)); // let the last events arrive
  const reports = await ask(() => ({ kind: "report" })) as { delivered: number; latencies: number[]; sequences: { teamId: string; positions: number[] }[]; clientCpuMs: number; clientSystemMs: number }[];
  const lat = reports.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const pct = (p: number) => lat.length ? lat[Math.min(lat.length - 1, Math.ceil((p / 100) * lat.length) - 1)]! : NaN;
  const result = {
    delivered: reports.reduce((n, r) => n + r.delivered, 0), p50: pct(50), p99: pct(99), written,
    sequences: reports.flatMap((r) => r.sequences),
    clientCpuMs: reports.reduce((n, r) => n + r.clientCpuMs, 0), clientSystemMs: reports.reduce((n, r) => n + r.clientSystemMs, 0),
  };
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const serverQueries = queries - q0;

  // Gaps and duplicates against the log: each subscriber's team events after its first received one.
  const check = new pg.Client({ connectionString: db.ownerUrl });
  await check.connect();
  const { rows: events } = await check.query<{ team_id: string; global_position: string }>(
    "select team_id, global_position::text from app_public.events where stream_type = 'execution' order by transaction_id, global_position");
  await check.end();
  const byTeam = new Map<string, number[]>();
  for (const e of events) { const l = byTeam.get(e.team_id) ?? []; l.push(Number(e.global_position)); byTeam.set(e.team_id, l); }
  // Each subscriber must have received exactly its team's log from its first event on: once each, in log order.
  let gaps = 0; let duplicates = 0; let outOfOrder = 0;
  for (const s of result.sequences) {
    const log = byTeam.get(s.teamId) ?? [];
    if (s.positions.length === 0) { gaps += log.length; continue; }
    const start = log.indexOf(s.positions[0]!);
    const expected = start < 0 ? [] : log.slice(start);
    const seen = new Set<number>();
    for (const p of s.positions) { if (seen.has(p)) duplicates++; seen.add(p); }
    for (const p of expected) if (!seen.has(p)) gaps++;
    if (start < 0) gaps += s.positions.length; // received something that is not in the log
    const once = new Set<number>();
    const unique = s.positions.filter((p) => !once.has(p) && once.add(p) !== undefined);
    for (let i = 0; i < unique.length && i < expected.length; i++) if (unique[i] !== expected[i]) { outOfOrder++; break; }
  }
  const delivered = result.delivered as number;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`delivered ${delivered} messages in ${elapsed.toFixed(1)}s; server CPU ${cpuMs.toFixed(0)} ms (user ${(cpu.user / 1000).toFixed(0)}, system ${(cpu.system / 1000).toFixed(0)}); server queries ${serverQueries}; transitions written ${result.written}; subscriber processes (${procs}, ${process.env.BENCH_LIVE_CLIENT === "raw" ? "protocol over ws" : "graphql-ws client"}) CPU ${result.clientCpuMs.toFixed(0)} ms (system ${result.clientSystemMs.toFixed(0)}); subscribers whose sequence is out of log order: ${outOfOrder}`);
  for (const child of children) child.kill();
  await app.close();
  await owner.end(); await auth.end();
  await db.drop();
  printBench("live", {
    subscribers,
    delivered_per_s: delivered / elapsed,
    p50_ms: result.p50,
    p99_ms: result.p99,
    server_cpu_ms_per_1k_messages: delivered ? (cpuMs / delivered) * 1000 : 0,
    db_queries_per_1k_messages: delivered ? (serverQueries / delivered) * 1000 : 0,
    transitions_per_s: result.written / (seconds + WARMUP_MS / 1000),
    gaps,
    duplicates,
    out_of_order: outOfOrder,
  });
}
