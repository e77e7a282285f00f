// `npm run bench -- live`: the live API under load. This process runs the GraphQL server (one live hub); a child
// process (bench/support/live-clients.ts) opens BENCH_LIVE_SUBSCRIBERS real WebSocket subscribers (graphql-ws) spread over
// BENCH_LIVE_TEAMS teams, each subscribed to its team's executionUpdates, while writers there make
// BENCH_LIVE_RATE execution transitions per second through app_private.transition_execution.
// Reported: delivery latency p50/p99 (event created_at, i.e. the writing statement, to message received),
// messages delivered per second, server CPU per 1,000 messages, database queries of the server per 1,000
// messages, and gaps/duplicates counted against the event log (each subscriber must receive exactly its team's
// events after its first one, in order, once).
import { fork } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { loadConfig } from "../src/config.ts";
import { createPool } from "../src/db/pool.ts";
import { createHttpApp } from "../src/server/http.ts";
import { freshBenchDatabase, phaseSeconds, printBench } from "./lib.ts";

const SECRET = "linkflow-bench-secret-at-least-32-characters";

export default async function main(): Promise<void> {
  const subscribers = Number(process.env.BENCH_LIVE_SUBSCRIBERS ?? 1000);
  const teams = Number(process.env.BENCH_LIVE_TEAMS ?? 50);
  const rate = Number(process.env.BENCH_LIVE_RATE ?? 1000);
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
  console.log(`server ${url}; ${subscribers} subscribers over ${teams} teams; writers at ${rate} transitions/s for ${seconds}s`);

  const here = path.dirname(fileURLToPath(import.meta.url));
  const child = fork(path.join(here, "support", "live-clients.ts"), [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const send = (m: unknown) => child.send(m as never);
  const next = () => new Promise<any>((resolve, reject) => {
    child.once("message", resolve);
    child.once("exit", (code) => reject(new Error(`clients exited (${code})`)));
  });
  send({ kind: "connect", url, secret: SECRET, users });
  await next(); // connected and subscribed
  while (app.live!.subscriberCount < subscribers) await new Promise((r) => setTimeout(r, 50));
  const cpu0 = process.cpuUsage();
  const q0 = queries;
  const t0 = Date.now();
  send({ kind: "write", ownerUrl: db.ownerUrl, teams: teamRows.map((t) => ({ id: t.id, workflowId: t.workflow_id })), rate, seconds });
  const result = await next(); // { delivered, latencies p50/p99, perSubscriber sequences summary }
  const elapsed = (Date.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const serverQueries = queries - q0;

  // Gaps and duplicates against the log: each subscriber's team events after its first received one.
  const check = new pg.Client({ connectionString: db.ownerUrl });
  await check.connect();
  const { rows: events } = await check.query<{ team_id: string; global_position: string }>(
    "select team_id, global_position::text from app_public.events where stream_type = 'execution' order by transaction_id, global_position");
  await check.end();
  const byTeam = new Map<string, string[]>();
  for (const e of events) { const l = byTeam.get(e.team_id) ?? []; l.push(e.global_position); byTeam.set(e.team_id, l); }
  let gaps = 0; let duplicates = 0;
  for (const s of result.sequences as { teamId: string; positions: string[] }[]) {
    const log = byTeam.get(s.teamId) ?? [];
    if (s.positions.length === 0) { gaps += log.length; continue; }
    const start = log.indexOf(s.positions[0]!);
    const expected = start < 0 ? [] : log.slice(start);
    const seen = new Set<string>();
    for (const p of s.positions) { if (seen.has(p)) duplicates++; seen.add(p); }
    for (const p of expected) if (!seen.has(p)) gaps++;
    if (start < 0) gaps += s.positions.length; // received something that is not in the log
  }
  const delivered = result.delivered as number;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  console.log(`delivered ${delivered} messages in ${elapsed.toFixed(1)}s; server CPU ${cpuMs.toFixed(0)} ms; server queries ${serverQueries}; transitions written ${result.written}`);
  child.kill();
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
    transitions_per_s: result.written / seconds,
    gaps,
    duplicates,
  });
}
