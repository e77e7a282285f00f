// Group commit of the service path (docs/executions.md, "Group commit"): concurrent single calls share one batched
// engine call and one commit, and each caller still gets exactly its own answer.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { withTransaction } from "../../src/db/transaction.ts";
import { IllegalTransitionError, LinkFlowError, UnavailableError } from "../../src/errors.ts";
import { ExecutionsRepository, type Execution, type ExecutionState } from "../../src/executions/index.ts";
import type { GroupCommitMetrics } from "../../src/executions/metrics.ts";
import { useTestDatabase } from "../harness/db.ts";
import { executionsIn, footprint, LEGAL, makeWorld, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;
beforeAll(async () => { w = await makeWorld(db.pool); });

/** Metrics that remember what they saw. */
function recorder() {
  const seen = { batches: [] as { lane: string; size: number }[], waits: 0, retried: 0 };
  const metrics: GroupCommitMetrics = {
    batch: (lane, size) => { seen.batches.push({ lane, size }); },
    wait: () => { seen.waits++; },
    retried: (_lane, n) => { seen.retried += n; },
  };
  return { seen, metrics };
}

function repoWith(settings: Partial<{ windowMs: number; maxBatch: number; maxInFlight: number }> = {}) {
  const { seen, metrics } = recorder();
  // distinct settings give each test its own group commit on the shared pool
  const repo = new ExecutionsRepository(db.pool, { kind: "service", actorId: null }, {
    groupCommit: { enabled: true, windowMs: 5, maxBatch: 64, maxInFlight: 4, ...settings }, metrics,
  });
  return { repo, seen };
}

type Answer = { ok: true; e: Execution } | { ok: false; err: LinkFlowError };
const answer = (p: Promise<Execution>): Promise<Answer> => p.then((e) => ({ ok: true as const, e }), (err) => ({ ok: false as const, err }));

async function chainOf(id: string) {
  const { rows } = await db.pool.query(
    "select seq, from_state, to_state from app_public.execution_transitions where execution_id = $1 order by seq", [id]);
  rows.forEach((r, i) => {
    expect(r.seq).toBe(i + 1);
    if (i === 0) expect(r.from_state).toBeNull();
    else {
      expect(r.from_state).toBe(rows[i - 1].to_state);
      expect(LEGAL[`${r.from_state}>${r.to_state}`]).toBeDefined();
    }
  });
  const e = await db.pool.query("select state, version from app_public.executions where id = $1", [id]);
  expect(e.rows[0].state).toBe(rows.at(-1).to_state);
  expect(e.rows[0].version).toBe(rows.length);
  const ev = await db.pool.query("select array_agg(stream_version order by stream_version) as v from app_public.events where stream_id = $1", [`execution-${id}`]);
  expect(ev.rows[0].v.map(Number)).toEqual(rows.map((_, i) => i + 1));
  return rows as { seq: number; from_state: ExecutionState | null; to_state: ExecutionState }[];
}

describe("executions: group commit", () => {
  it("gives each of 64 concurrent callers exactly its own result, mixing legal and illegal moves on shared and distinct executions", async () => {
    const { repo, seen } = repoWith();
    const shared = await executionsIn(w.service, w.workflow.id, Array(8).fill("running"));
    const distinct = await executionsIn(w.service, w.workflow.id, Array(32).fill("pending"));
    const before = await Promise.all(distinct.map((id) => footprint(db.pool, id)));
    // distinct executions: a fixed script whose every answer is known in advance
    const script: { to: ExecutionState; ok: boolean; current?: ExecutionState }[] = [
      { to: "running", ok: false, current: "pending" }, { to: "queued", ok: true }, { to: "queued", ok: false, current: "queued" },
      { to: "running", ok: true }, { to: "succeeded", ok: true }, { to: "running", ok: false, current: "succeeded" },
    ];
    const sharedAnswers: { id: string; to: ExecutionState; a: Answer }[] = [];
    await Promise.all([
      // 32 callers on 8 shared executions (4 each) toggling running <-> waiting: each move is legal or not by the race
      ...Array.from({ length: 32 }, async (_, k) => {
        const id = shared[k % 8]!;
        for (let i = 0; i < 6; i++) {
          const to: ExecutionState = (i + k) % 2 === 0 ? "waiting" : "running";
          sharedAnswers.push({ id, to, a: await answer(repo.transition(id, to)) });
        }
      }),
      // 32 callers, one distinct execution each
      ...distinct.map(async (id) => {
        for (const step of script) {
          const a = await answer(repo.transition(id, step.to));
          if (step.ok) {
            expect(a.ok, `${id} -> ${step.to}`).toBe(true);
            if (a.ok) { expect(a.e.id).toBe(id); expect(a.e.state).toBe(step.to); }
          } else {
            expect(a.ok).toBe(false);
            if (!a.ok) {
              expect(a.err).toBeInstanceOf(IllegalTransitionError);
              expect((a.err as IllegalTransitionError).currentState).toBe(step.current);
              expect(a.err.sqlState).toBe("LFSTA");
            }
          }
        }
      }),
    ]);
    // coalescing happened: fewer batches than calls, some with many calls
    const calls = 32 * 6 + 32 * 6;
    expect(seen.batches.reduce((n, b) => n + b.size, 0)).toBe(calls);
    expect(seen.batches.length).toBeLessThan(calls / 2);
    expect(Math.max(...seen.batches.map((b) => b.size))).toBeGreaterThan(8);
    expect(seen.waits).toBe(calls);

    for (const id of distinct) {
      const chain = await chainOf(id);
      expect(chain.map((r) => r.to_state)).toEqual(["pending", "queued", "running", "succeeded"]);
    }
    // each refused move wrote nothing: the distinct executions hold exactly their 3 legal moves (+ samples for the finish)
    const after = await Promise.all(distinct.map((id) => footprint(db.pool, id)));
    after.forEach((f, i) => {
      expect(f.transitions).toBe(before[i].transitions + 3);
      expect(f.events).toBe(before[i].events + 3);
    });
    // shared executions: every ok answer is the caller's own move, found in the chain at the version it returned
    for (const id of shared) {
      const chain = await chainOf(id);
      const mine = sharedAnswers.filter((s) => s.id === id);
      const oks = mine.filter((s) => s.a.ok);
      expect(chain.length).toBe(3 + oks.length); // pending, queued, running + one row per accepted move
      const seqs = new Set<number>();
      for (const s of oks) {
        if (!s.a.ok) continue;
        expect(s.a.e.id).toBe(id);
        expect(s.a.e.state).toBe(s.to);
        expect(chain[s.a.e.version - 1]!.to_state).toBe(s.to);
        seqs.add(s.a.e.version);
      }
      expect(seqs.size).toBe(oks.length); // no two callers were handed the same move
      for (const s of mine) {
        if (s.a.ok) continue;
        expect(s.a.err).toBeInstanceOf(IllegalTransitionError);
        expect((s.a.err as IllegalTransitionError).currentState).toBe(s.to); // refused: it was already there
      }
    }
  }, 120_000);

  it("coalesces concurrent starts: each caller gets its own execution or typed error, one idempotency key gives one execution", async () => {
    const { repo, seen } = repoWith({ windowMs: 21 });
    const key = `gc-start-${Date.now()}`;
    const calls: { kind: "plain" | "keyed" | "draft" | "missing" | "badTrigger"; p: Promise<Answer> }[] = [];
    for (let i = 0; i < 64; i++) {
      const kind = (["plain", "keyed", "draft", "missing", "badTrigger"] as const)[i % 5]!;
      const input = kind === "plain" ? { n: i } : undefined;
      const p = kind === "plain" ? repo.start({ workflowId: w.workflow.id, triggerType: "webhook", input })
        : kind === "keyed" ? repo.start({ workflowId: w.workflow.id, idempotencyKey: key, input: { n: i } })
          : kind === "draft" ? repo.start({ workflowId: w.draft.id })
            : kind === "missing" ? repo.start({ workflowId: "00000000-0000-7000-8000-000000000000" })
              : repo.start({ workflowId: w.workflow.id, triggerType: "bogus" as never });
      calls.push({ kind, p: answer(p) });
    }
    const answers = await Promise.all(calls.map((c) => c.p));
    expect(seen.batches.filter((b) => b.lane === "start").some((b) => b.size > 1)).toBe(true);
    const keyed = new Set<string>();
    answers.forEach((a, i) => {
      const kind = calls[i]!.kind;
      if (kind === "plain") {
        expect(a.ok).toBe(true);
        if (a.ok) { expect(a.e.input).toEqual({ n: i }); expect(a.e.triggerType).toBe("webhook"); expect(a.e.state).toBe("pending"); }
      } else if (kind === "keyed") {
        expect(a.ok).toBe(true);
        if (a.ok) keyed.add(a.e.id);
      } else {
        expect(a.ok).toBe(false);
        if (!a.ok) expect(a.err.code).toBe(kind === "draft" ? "ILLEGAL_TRANSITION" : kind === "missing" ? "NOT_FOUND" : "VALIDATION");
      }
    });
    expect(keyed.size).toBe(1);
    const { rows } = await db.pool.query(
      "select count(*)::int as n from app_public.executions where idempotency_key = $1", [key]);
    expect(rows[0].n).toBe(1);
    // every started execution is complete: its first transition and its ExecutionCreated event
    const ids = answers.flatMap((a) => (a.ok ? [a.e.id] : []));
    const check = await db.pool.query(`
      select count(*) filter (where t.seq = 1 and t.to_state = 'pending')::int as transitions,
             count(*) filter (where ev.type = 'ExecutionCreated' and ev.stream_version = 1)::int as events
        from unnest($1::uuid[]) u(id)
        left join app_public.execution_transitions t on t.execution_id = u.id
        left join app_public.events ev on ev.stream_id = 'execution-' || u.id`, [[...new Set(ids)]]);
    expect(check.rows[0]).toEqual({ transitions: new Set(ids).size, events: new Set(ids).size });
    // refused starts wrote nothing: no execution of the draft workflow
    const draft = await db.pool.query("select count(*)::int as n from app_public.executions where workflow_id = $1", [w.draft.id]);
    expect(draft.rows[0].n).toBe(0);
  });

  it("applies two calls for one execution made in the same window in call order", async () => {
    const { repo, seen } = repoWith({ windowMs: 20 });
    const ids = await executionsIn(w.service, w.workflow.id, Array(10).fill("pending"));
    const answers = await Promise.all(ids.flatMap((id) => [
      repo.transition(id, "queued"), repo.transition(id, "running"), repo.transition(id, "succeeded", { expectedFrom: "running" }),
    ]));
    ids.forEach((id, i) => {
      expect(answers.slice(i * 3, i * 3 + 3).map((e) => [e.id, e.state, e.version])).toEqual([
        [id, "queued", 2], [id, "running", 3], [id, "succeeded", 4]]);
    });
    expect(answers[2]!.finishedAt).toBeInstanceOf(Date);
    // 30 calls: the first move of each execution shares one batch, the second the next, ...
    expect(seen.batches.map((b) => b.size)).toEqual([10, 10, 10]);
    for (const id of ids) await chainOf(id);
  });

  it("spreads a full queue over free connections: 64 calls on distinct executions leave as two batches of 32 at once", async () => {
    const { repo, seen } = repoWith({ windowMs: 50 });
    const ids = await executionsIn(w.service, w.workflow.id, Array(64).fill("pending"));
    const answers = await Promise.all(ids.map((id) => repo.transition(id, "queued")));
    expect(answers.map((e) => [e.id, e.state])).toEqual(ids.map((id) => [id, "queued"]));
    expect(seen.batches.map((b) => b.size)).toEqual([32, 32]);
    expect(seen.retried).toBe(0);
  });

  it("sends a call made while a batch is in flight on the next turn, without waiting for the window", async () => {
    const { repo, seen } = repoWith({ windowMs: 400 });
    const [held, free] = await executionsIn(w.service, w.workflow.id, ["queued", "queued"]);
    const locker = await db.pool.connect();
    try {
      await locker.query("begin");
      await locker.query("select 1 from app_public.executions where id = $1 for update", [held]);
      const first = answer(repo.transition(held!, "running")); // waits the window (idle), then waits on the lock
      for (let i = 0; i < 200 && seen.batches.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      expect(seen.batches.length).toBe(1);
      const t0 = performance.now();
      const second = await repo.transition(free!, "running");
      expect(performance.now() - t0).toBeLessThan(300); // well under the 400 ms window
      expect(second.state).toBe("running");
      await locker.query("commit");
      const r = await first;
      expect(r.ok && r.e.state).toBe("running");
    } finally {
      await locker.query("rollback").catch(() => {});
      locker.release();
    }
  });

  it("carries quotes, backslashes and non-ASCII text in a batch intact, and a malformed id fails alone", async () => {
    const { repo, seen } = repoWith({ windowMs: 23 });
    const ids = await executionsIn(w.service, w.workflow.id, Array(3).fill("queued"));
    const reasons = ["it's a 'quoted' reason", "back\\slash \\' and $$dollar$$ and E'\\x41'", "ünïcødé ✓ 日本 \u0001"];
    const results = await Promise.all([
      ...ids.map((id, i) => answer(repo.transition(id, "running", { details: { reason: reasons[i]!, note: { nested: reasons[i] } } }))),
      answer(repo.transition("not-a-uuid'); drop table app_public.executions; --", "running")),
    ]);
    expect(results.slice(0, 3).every((r) => r.ok && r.e.state === "running")).toBe(true);
    const last = results[3]!;
    expect(last.ok).toBe(false);
    if (!last.ok) expect(last.err).toMatchObject({ code: "VALIDATION", field: "id" });
    expect(seen.batches.map((b) => b.size)).toEqual([4]);
    expect(seen.retried).toBe(0);
    const { rows } = await db.pool.query(
      "select execution_id, reason, details from app_public.execution_transitions where execution_id = any($1) and to_state = 'running' order by seq",
      [ids]);
    for (const [i, id] of ids.entries()) {
      const row = rows.find((r) => r.execution_id === id)!;
      expect(row.reason).toBe(reasons[i]);
      expect(row.details).toEqual({ note: { nested: reasons[i] } });
    }
  });

  it("returns the single call's typed errors: not found, invalid input, stale expected_from", async () => {
    const { repo } = repoWith();
    const [id] = await executionsIn(w.service, w.workflow.id, ["queued"]);
    const results = await Promise.all([
      answer(repo.transition("01900000-0000-7000-8000-000000000000", "queued")),
      answer(repo.transition(id!, "bogus" as ExecutionState)),
      answer(repo.transition(id!, "running", { expectedFrom: "pending" })),
      answer(w.service.transition(id!, "cancelled", { expectedFrom: "pending" })),
    ]);
    const errs = results.map((r) => (r.ok ? null : r.err));
    expect(errs[0]).toMatchObject({ code: "NOT_FOUND", sqlState: "LFNTF", field: "id" });
    expect(errs[1]).toMatchObject({ code: "VALIDATION", sqlState: "LFVAL", field: "to_state" });
    expect(errs[2]).toMatchObject({ code: "ILLEGAL_TRANSITION", sqlState: "LFSTA", currentState: "queued" });
    expect(errs[3]).toMatchObject({ code: "ILLEGAL_TRANSITION", currentState: "queued" });
    expect((await footprint(db.pool, id!)).transitions).toBe(2);
  });

  it("does not coalesce calls inside the caller's own transaction: they join it and roll back with it", async () => {
    const { repo, seen } = repoWith();
    const [id] = await executionsIn(w.service, w.workflow.id, ["pending"]);
    await expect(withTransaction(db.pool, async () => {
      const e = await repo.transition(id!, "queued");
      expect(e.state).toBe("queued");
      const seenInside = await db.pool.query("select state from app_public.executions where id = $1", [id]);
      expect(seenInside.rows[0].state).toBe("pending"); // not committed: it is in our transaction
      throw new LinkFlowError("CONFLICT", "roll back");
    })).rejects.toThrow("roll back");
    expect((await footprint(db.pool, id!)).transitions).toBe(1);
    expect(seen.batches).toEqual([]);
  });

  it("retries a batch whose transaction fails on a database error item by item, so only the bad call fails", async () => {
    const { repo, seen } = repoWith({ windowMs: 30 });
    const ids = await executionsIn(w.service, w.workflow.id, Array(12).fill("queued"));
    await db.pool.query(`
      create function app_private.gc_test_boom() returns trigger language plpgsql as $$
      begin
        if new.reason = 'boom' then raise exception 'boom' using errcode = 'XX123'; end if;
        return new;
      end $$;
      create trigger _999_boom before insert on app_public.execution_transitions for each row execute function app_private.gc_test_boom();`);
    try {
      const results = await Promise.all(ids.map((id, i) => answer(repo.transition(id, "running", { details: { reason: i === 5 ? "boom" : "go" } }))));
      results.forEach((r, i) => {
        if (i === 5) {
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.err.sqlState).toBe("XX123");
        } else {
          expect(r.ok).toBe(true);
          if (r.ok) expect(r.e.state).toBe("running");
        }
      });
      expect(seen.batches[0]!.size).toBe(12);
      expect(seen.retried).toBe(12);
      expect((await footprint(db.pool, ids[5]!)).transitions).toBe(2); // still queued: nothing written
      for (const id of ids) await chainOf(id);
    } finally {
      await db.pool.query("drop trigger _999_boom on app_public.execution_transitions; drop function app_private.gc_test_boom()");
    }
  });

  it("answers the callers of a batch whose connection is killed before commit (retried one by one)", async () => {
    const { repo, seen } = repoWith({ windowMs: 10 });
    const ids = await executionsIn(w.service, w.workflow.id, Array(6).fill("queued"));
    const locker = await db.pool.connect();
    try {
      // hold the first execution's row so the batch waits on it, then kill the batch's backend
      await locker.query("begin");
      await locker.query("select 1 from app_public.executions where id = $1 for update", [ids[0]]);
      const pending = Promise.all(ids.map((id) => answer(repo.transition(id, "running"))));
      let pid: number | undefined;
      for (let i = 0; i < 200 && !pid; i++) {
        const { rows } = await db.pool.query(
          "select pid from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query like '%apply_execution_transitions%'");
        pid = rows[0]?.pid;
        if (!pid) await new Promise((r) => setTimeout(r, 25));
      }
      expect(pid).toBeDefined();
      await db.pool.query("select pg_terminate_backend($1)", [pid]);
      await new Promise((r) => setTimeout(r, 100));
      await locker.query("commit");
      const results = await pending;
      expect(results.every((r) => r.ok)).toBe(true);
      expect(seen.retried).toBe(6);
      for (const id of ids) expect((await chainOf(id)).at(-1)!.to_state).toBe("running");
    } finally {
      await locker.query("rollback").catch(() => {});
      locker.release();
    }
  });

  it("close() answers the calls of a batch in flight, then refuses new calls with a typed error", async () => {
    const { repo } = repoWith({ windowMs: 1 });
    const ids = await executionsIn(w.service, w.workflow.id, Array(8).fill("queued"));
    const locker = await db.pool.connect();
    let results: Answer[];
    try {
      await locker.query("begin");
      await locker.query("select 1 from app_public.executions where id = $1 for update", [ids[3]]);
      const pending = Promise.all(ids.map((id) => answer(repo.transition(id, "running"))));
      await new Promise((r) => setTimeout(r, 200)); // the batch is now in flight, waiting on the lock
      let closed = false;
      const closing = repo.close().then(() => { closed = true; });
      await new Promise((r) => setTimeout(r, 100));
      expect(closed).toBe(false);
      const late = await answer(repo.transition(ids[0]!, "succeeded"));
      expect(late.ok).toBe(false);
      if (!late.ok) { expect(late.err).toBeInstanceOf(UnavailableError); expect(late.err.detail).toBe("outcome=not_applied"); }
      await locker.query("commit");
      await closing;
      results = await pending;
    } finally {
      await locker.query("rollback").catch(() => {});
      locker.release();
    }
    expect(results.every((r) => r.ok && r.e.state === "running")).toBe(true);
    for (const id of ids) expect((await chainOf(id)).map((r) => r.to_state)).toEqual(["pending", "queued", "running"]);
  });

  it("reports batch sizes and waits in the process registry by default", async () => {
    const { registry } = await import("../../src/monitoring/registry.ts");
    const repo = new ExecutionsRepository(db.pool, { kind: "service" }, { groupCommit: { enabled: true, windowMs: 3, maxBatch: 64, maxInFlight: 4 } });
    const ids = await executionsIn(w.service, w.workflow.id, Array(4).fill("pending"));
    await Promise.all(ids.map((id) => repo.transition(id, "queued")));
    const text = await registry.metrics();
    expect(text).toMatch(/linkflow_executions_group_commit_batch_size_count\{lane="transition"\} [1-9]/);
    expect(text).toMatch(/linkflow_executions_group_commit_wait_seconds_count\{lane="transition"\} [1-9]/);
  });

  it("a process stopped gracefully (SIGTERM) answers every call it had taken, and the database agrees", async () => {
    const ids = await executionsIn(w.service, w.workflow.id, Array(16).fill("running"));
    const child = spawn(process.execPath, [path.join(path.dirname(fileURLToPath(import.meta.url)), "group-commit-child.ts")], {
      env: { ...process.env, CHILD_DATABASE_URL: db.ownerUrl, CHILD_IDS: ids.join(","), LOG_LEVEL: "error" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => { out += d; });
    child.stderr.on("data", (d) => { err += d; });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    for (let i = 0; i < 400 && !out.includes("calls="); i++) await new Promise((r) => setTimeout(r, 50));
    // wait until it has made progress, then stop it mid-stream
    for (let i = 0; i < 400 && !/calls=([1-9]\d{2,})/.test(out.split("\n").filter(Boolean).at(-1) ?? ""); i++) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGTERM");
    expect(await exited, err).toBe(0);
    const report = JSON.parse(out.split("\n").filter((l) => l.startsWith("{")).at(-1)!) as {
      taken: number; answered: number; lost: number; byId: Record<string, { ok: number; refused: number; other: string[] }>;
    };
    expect(report.lost).toBe(0);
    expect(report.answered).toBe(report.taken);
    expect(report.taken).toBeGreaterThan(100);
    for (const id of ids) {
      const chain = await chainOf(id);
      const r = report.byId[id]!;
      expect(r.other).toEqual([]);
      expect(chain.length).toBe(3 + r.ok); // every accepted move is in the database, and only those
    }
  }, 60_000);
});
