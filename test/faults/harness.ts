// The fault suite's tools: the server and the worker as real child processes (src/cli.ts server|worker), a
// GraphQL write load whose acknowledged writes are recorded, integrity checks over what the database holds,
// and a private PostgreSQL cluster (ports 55500-55519) for faults that must not touch the shared server.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { appendFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createServer } from "node:net";
import { promisify } from "node:util";
import pg from "pg";
import { withCredentials, withDatabase } from "../../src/config.ts";
import { migrateUp, PROJECT_ROOT } from "../../src/db/migrate.ts";
import { ensureRoles, ROLES } from "../../src/db/roles.ts";
import { freePort } from "../harness/infra.ts";
import { signToken, TEST_JWT_SECRET } from "../harness/graphql.ts";
import { applyCurrent, AUTHENTICATOR_PASSWORD, OWNER_PASSWORD } from "../harness/template.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";

const run = promisify(execFile);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------- child processes
export interface AppProcess {
  command: "server" | "worker";
  child: ChildProcess;
  /** Base URL (server only). */
  base: string | null;
  output(): string;
  alive(): boolean;
  stop(): Promise<number | null>;
}

/** Starts `node src/cli.ts <command>` against ownerUrl; resolves once it serves (server) or has started (worker). */
export async function startApp(command: "server" | "worker", ownerUrl: string, extraEnv: Record<string, string> = {}): Promise<AppProcess> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  for (const k of ["NODE_OPTIONS", "VITEST", "VITEST_POOL_ID", "VITEST_WORKER_ID", "ROOT_DATABASE_URL", "AUTH_DATABASE_URL", "REDIS_URL", "REPLICA_DATABASE_URLS"]) delete env[k];
  Object.assign(env, {
    NODE_ENV: "test", GRAPHILE_ENV: "test", LOG_LEVEL: command === "worker" ? "info" : "warn", DATABASE_URL: ownerUrl, JWT_SECRET: TEST_JWT_SECRET,
    PORT: String(await freePort()), METRICS_PORT: "0", DB_STATS_INTERVAL_MS: "500", PG_POOL_CONNECTION_TIMEOUT_MS: "2000",
    PROJECTION_POLL_MS: "100", WORKER_CONCURRENCY: "4",
  }, extraEnv);
  const child = spawn(process.execPath, ["src/cli.ts", command], { cwd: PROJECT_ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (b: Buffer) => { out += b.toString(); });
  child.stderr!.on("data", (b: Buffer) => { out += b.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const app: AppProcess = {
    command, child, base: null,
    output: () => out,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (app.alive()) child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 20_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
  const deadline = Date.now() + 60_000;
  // The server prints its URL; the worker logs (info) when its projection manager has started, its last step.
  const ready = command === "server" ? /LinkFlow Data GraphQL: (\S+)\/graphql/ : /projection manager started/;
  for (;;) {
    if (!app.alive()) throw new Error(`${command} exited early (${child.exitCode}):\n${out}`);
    const m = ready.exec(out);
    if (m) { if (command === "server") app.base = m[1]!; break; }
    if (Date.now() > deadline) throw new Error(`${command} did not start:\n${out}`);
    await sleep(100);
  }
  return app;
}

/** Polls /readyz until it answers 200; returns how long that took (ms), or throws after timeoutMs. */
export async function readyWithin(base: string, timeoutMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return Date.now() - started;
    } catch { /* not yet */ }
    if (Date.now() - started > timeoutMs) throw new Error(`/readyz not ready after ${timeoutMs} ms`);
    await sleep(50);
  }
}

// ------------------------------------------------------------------------------------------------ write load
export interface Acked { id: string; states: string[] }
export interface LoadResult { acked: Acked[]; retries: number; untyped: string[]; stop(): Promise<void> }

const CHAIN = ["queued", "running", "succeeded"];

/** A team with an editor and an active workflow, written as the owner. */
export async function seedWorkspace(pool: pg.Pool): Promise<{ token: string; workflowId: string }> {
  const u = await makeUser(pool);
  const t = await makeTeam(pool, [{ userId: u.id, role: "editor" }]);
  const w = await makeWorkflow(pool, t.id, { status: "active" });
  return { token: await signToken(u.id), workflowId: w.id };
}

class Retry extends Error {}

/**
 * `clients` concurrent writers over HTTP GraphQL: each starts an execution (idempotency key) and walks it
 * pending -> queued -> running -> succeeded (expectedFrom on every step). A failure typed UNAVAILABLE, a
 * refused/reset connection or a 502/503 is retried (the same idempotency key; a step that committed before
 * its answer was lost shows as LFSTA current_state=<target> and counts as done). Any other error is recorded
 * in `untyped` (the test expects none). A step is acknowledged when the server answered it with data.
 */
export function startWriteLoad(base: string, ws: { token: string; workflowId: string }, clients = 4, tag = "w"): LoadResult {
  const acked: Acked[] = [];
  const untyped: string[] = [];
  let retries = 0;
  let stopping = false;
  const call = async (query: string, variables: Record<string, unknown>) => {
    let res: Response;
    try {
      res = await fetch(`${base}/graphql`, {
        method: "POST", signal: AbortSignal.timeout(15_000),
        headers: { "content-type": "application/json", authorization: `Bearer ${ws.token}` },
        body: JSON.stringify({ query, variables }),
      });
    } catch { throw new Retry(); }
    if (res.status >= 500 && res.status !== 500) throw new Retry();
    const body = await res.json().catch(() => null) as { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] } | null;
    if (!body) throw new Retry();
    const err = body.errors?.[0];
    if (err?.extensions?.code === "UNAVAILABLE") {
      if (err.extensions.retryable !== true) untyped.push(`UNAVAILABLE without retryable: ${JSON.stringify(err)}`);
      throw new Retry();
    }
    return body;
  };
  const persist = async <T>(fn: () => Promise<T>): Promise<T> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try { return await fn(); } catch (e) {
        if (!(e instanceof Retry) || Date.now() > deadline) throw e;
        retries++;
        await sleep(50);
      }
    }
  };
  const client = async (c: number) => {
    for (let n = 0; !stopping; n++) {
      const key = `${tag}-${c}-${n}`;
      const id = await persist(async () => {
        const b = await call(`mutation($wf: UUID!, $k: String!) { startExecution(input: { workflowId: $wf, idempotencyKey: $k, triggerType: "manual" }) { execution { rowId state } } }`, { wf: ws.workflowId, k: key });
        const r = b.data?.startExecution?.execution;
        if (!r) { untyped.push(`start ${key}: ${JSON.stringify(b.errors)}`); throw new Error(`start failed: ${JSON.stringify(b.errors)}`); }
        return r.rowId as string;
      });
      const a: Acked = { id, states: ["pending"] };
      acked.push(a);
      let from = "pending";
      for (const to of CHAIN) {
        await persist(async () => {
          const b = await call(`mutation($id: UUID!, $to: String!, $from: String!) { transitionExecution(input: { id: $id, toState: $to, expectedFrom: $from }) { execution { state } } }`, { id, to, from });
          if (b.data?.transitionExecution?.execution?.state === to) return;
          const e = b.errors?.[0];
          if (e?.extensions?.code === "ILLEGAL_TRANSITION" && String(e.extensions.detail ?? "").includes(`current_state=${to}`)) return; // committed, answer lost
          untyped.push(`transition ${id} ${from}->${to}: ${JSON.stringify(b.errors)}`);
          throw new Error(`transition failed: ${JSON.stringify(b.errors)}`);
        });
        a.states.push(to);
        from = to;
      }
    }
  };
  const loops = Array.from({ length: clients }, (_, c) => client(c).catch((e) => { untyped.push(`client ${c} stopped: ${(e as Error).message}`); }));
  return {
    acked, untyped,
    get retries() { return retries; },
    async stop() { stopping = true; await Promise.all(loops); },
  } as LoadResult;
}

// ------------------------------------------------------------------------------------------------ job load
/** Enqueues `n` no-op cache_invalidate jobs (the worker runs without Redis: the task succeeds doing nothing). */
export async function enqueueJobs(pool: pg.Pool, n: number, tag: string): Promise<number> {
  for (;;) {
    try {
      const { rows } = await pool.query(
        "select count(graphile_worker.add_job('cache_invalidate', json_build_object('keys', json_build_array($2::text || ':' || g)))) as n from generate_series(1, $1) g",
        [n, `faults:${tag}`]);
      return Number(rows[0].n);
    } catch { await sleep(100); } // the test's own connection may be one of those terminated
  }
}

/** Waits until no job is left (every enqueued job completed) or throws with what is left. */
export async function jobsDrained(pool: pg.Pool, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown[] = [];
  for (;;) {
    try {
      const { rows } = await pool.query("select task_identifier, attempts, max_attempts, locked_at is not null as locked, last_error from graphile_worker.jobs order by id limit 20");
      if (rows.length === 0) return;
      last = rows;
    } catch { /* retry */ }
    if (Date.now() > deadline) throw new Error(`jobs left after ${timeoutMs} ms: ${JSON.stringify(last)}`);
    await sleep(200);
  }
}

// ------------------------------------------------------------------------------------------- integrity checks
export interface Integrity { missing: string[]; wrongState: string[]; brokenChains: string[]; brokenStreams: string[] }

/** Every acknowledged write is there; transition chains and event streams are contiguous and agree. */
export async function checkIntegrity(pool: pg.Pool, acked: Acked[]): Promise<Integrity> {
  const out: Integrity = { missing: [], wrongState: [], brokenChains: [], brokenStreams: [] };
  const ids = acked.map((a) => a.id);
  const { rows } = await pool.query(`
    select e.id, e.state,
           (select coalesce(json_agg(json_build_array(t.seq, t.from_state, t.to_state) order by t.seq), '[]')
              from app_public.execution_transitions t where t.execution_id = e.id) as transitions,
           (select coalesce(json_agg(ev.stream_version order by ev.stream_version), '[]')
              from app_public.events ev where ev.stream_id = 'execution-' || e.id) as versions,
           (select s.version from app_public.event_streams s where s.id = 'execution-' || e.id) as stream_version
      from app_public.executions e where e.id = any($1::uuid[])`, [ids]);
  const byId = new Map(rows.map((r) => [r.id as string, r]));
  for (const a of acked) {
    const r = byId.get(a.id);
    if (!r) { out.missing.push(a.id); continue; }
    const last = a.states[a.states.length - 1]!;
    // The chain may be one step ahead of the acknowledgement (a step committed while the load was stopping).
    const chainStates = (r.transitions as [number, string | null, string][]).map((t) => t[2]);
    if (!(r.state === last || chainStates.length === a.states.length + 1)) out.wrongState.push(`${a.id}: ${r.state}, acked ${last}`);
    const t = r.transitions as [number, string | null, string][];
    const okChain = t.length >= a.states.length && t.every(([seq, from, to], i) => seq === i + 1 && from === (i === 0 ? null : t[i - 1]![2]) && (i >= a.states.length || to === a.states[i]));
    if (!okChain) out.brokenChains.push(`${a.id}: ${JSON.stringify(t)} acked ${a.states.join(">")}`);
    const v = r.versions as number[];
    if (!(v.length === t.length && v.every((x, i) => Number(x) === i + 1) && Number(r.stream_version) === v.length)) {
      out.brokenStreams.push(`${a.id}: versions ${JSON.stringify(v)} stream ${r.stream_version} transitions ${t.length}`);
    }
  }
  return out;
}

/** Waits until every projection has applied every committed event (the projection runner survived). */
export async function projectionsCaughtUp(pool: pg.Pool, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const { rows } = await pool.query("select projection, events_behind, dead_letters from app_private.projection_lag()");
      last = rows;
      if (rows.length > 0 && rows.every((r) => Number(r.events_behind) === 0)) return;
    } catch { /* retry */ }
    if (Date.now() > deadline) {
      const why = await pool.query(`select pg_snapshot_xmin(pg_current_snapshot())::text as xmin,
          (select min(transaction_id)::text from app_public.events e, app_private.projection_checkpoints c
            where (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)) as oldest_unapplied,
          (select json_agg(json_build_array(datname, application_name, state, backend_xid::text, now() - xact_start))
             from pg_stat_activity where backend_xid is not null) as writers`).then((r) => r.rows[0], (e) => String(e));
      throw new Error(`projections behind after ${timeoutMs} ms: ${JSON.stringify(last)} ${JSON.stringify(why)}`);
    }
    await sleep(200);
  }
}

/** Terminates every backend of `database` except the caller's own; returns how many. */
export async function terminateAll(rootUrl: string, database: string): Promise<number> {
  const c = new pg.Client({ connectionString: rootUrl });
  c.on("error", () => {});
  await c.connect();
  try {
    const { rows } = await c.query("select count(pg_terminate_backend(pid)) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()", [database]);
    return Number(rows[0].n);
  } finally {
    await c.end().catch(() => {});
  }
}

// ------------------------------------------------------------------------------------------- private cluster
const BIN = process.env.PG_BIN_DIR ?? "/usr/lib/postgresql/15/bin";
const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
const asPostgres = (cmd: string, args: string[]) =>
  isRoot ? run("runuser", ["-u", "postgres", "--", path.join(BIN, cmd), ...args], { maxBuffer: 1 << 24 }) : run(path.join(BIN, cmd), args, { maxBuffer: 1 << 24 });

async function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

export interface PrivateCluster {
  port: number;
  rootUrl: string;
  ownerUrl: string;
  database: string;
  restartFast(): Promise<void>;
  stop(): Promise<void>;
}

/** A migrated throwaway cluster on the first free port of 55500-55519 (the faults helper's range). */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  let port = 0;
  for (let p = 55500; p <= 55519 && !port; p++) if (await portFree(p)) port = p;
  if (!port) throw new Error("no free port in 55500-55519");
  const dir = await mkdtemp(path.join(os.tmpdir(), "lf-faults-pg-"));
  if (isRoot) await run("chown", ["postgres:postgres", dir]);
  const data = path.join(dir, "data");
  const pgctl = (args: string[]) => asPostgres("pg_ctl", ["-D", data, "-l", path.join(dir, "server.log"), ...args]);
  let started = false;
  const stop = async () => {
    if (started) await asPostgres("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await asPostgres("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
    await appendFile(path.join(data, "postgresql.conf"), [
      "", `port = ${port}`, "listen_addresses = '127.0.0.1'", `unix_socket_directories = '${dir}'`, "fsync = off",
      "shared_buffers = 32MB", "max_connections = 60", "",
    ].join("\n"));
    await pgctl(["-w", "start"]);
    started = true;
    const rootUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    await ensureRoles(rootUrl, { ownerPassword: OWNER_PASSWORD, authenticatorPassword: AUTHENTICATOR_PASSWORD });
    const c = new pg.Client({ connectionString: rootUrl });
    await c.connect();
    await c.query(`create database lf_faults owner ${ROLES.owner}`);
    await c.end();
    const ownerUrl = withCredentials(withDatabase(rootUrl, "lf_faults"), ROLES.owner, OWNER_PASSWORD);
    await migrateUp(ownerUrl);
    await applyCurrent(ownerUrl);
    return {
      port, rootUrl: withDatabase(rootUrl, "lf_faults"), ownerUrl, database: "lf_faults",
      restartFast: async () => { await pgctl(["-m", "fast", "-w", "restart"]); },
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** kill -9 of one backend (the postmaster then resets every backend of the cluster). */
export async function killBackend(rootUrl: string, applicationPrefix: string): Promise<number> {
  const c = new pg.Client({ connectionString: rootUrl });
  c.on("error", () => {});
  await c.connect();
  try {
    const { rows } = await c.query("select pid from pg_stat_activity where application_name like $1 || '%' order by backend_start limit 1", [applicationPrefix]);
    if (!rows[0]) throw new Error(`no backend of ${applicationPrefix}`);
    process.kill(rows[0].pid, "SIGKILL");
    return rows[0].pid;
  } finally {
    await c.end().catch(() => {});
  }
}
