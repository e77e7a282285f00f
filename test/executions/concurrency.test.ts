import pg from "pg";
import { beforeAll, describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { executionsIn, LEGAL, makeWorld, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;
beforeAll(async () => { w = await makeWorld(db.pool); });

async function connections(n: number): Promise<pg.Client[]> {
  return Promise.all(Array.from({ length: n }, async () => {
    const c = new pg.Client({ connectionString: db.ownerUrl });
    await c.connect();
    return c;
  }));
}

async function assertChain(id: string) {
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
  return rows;
}

describe("executions: concurrent transitions on one execution", () => {
  it("serialize across connections: running <-> waiting toggles from 8 sessions always form a chain", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    const clients = await connections(8);
    let ok = 0;
    let refused = 0;
    try {
      await Promise.all(clients.map(async (c, k) => {
        for (let i = 0; i < 15; i++) {
          const to = (i + k) % 2 === 0 ? "waiting" : "running";
          try {
            await c.query("select app_private.transition_execution($1, $2, null, null, null, false)", [id, to]);
            ok++;
          } catch (e) {
            expect((e as { code?: string }).code).toBe("LFSTA");
            refused++;
          }
        }
      }));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    expect(ok + refused).toBe(120);
    expect(ok).toBeGreaterThan(0);
    const rows = await assertChain(id!);
    expect(rows.length).toBe(ok + 3); // created, queued, running, then every accepted toggle
  });

  it("let exactly one of several racing finishers win, each holding its transaction open", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    const clients = await connections(6);
    const targets = ["succeeded", "failed", "timed_out", "cancelled", "crashed", "waiting"];
    try {
      await Promise.all(clients.map((c) => c.query("begin")));
      const outcomes = await Promise.all(clients.map(async (c, i) => {
        try {
          await c.query("select app_private.transition_execution($1, $2, 'running', null, null, false)", [id, targets[i]]);
          await c.query("commit");
          return "ok";
        } catch (e) {
          await c.query("rollback");
          expect((e as { code?: string; detail?: string }).code).toBe("LFSTA");
          return "refused";
        }
      }));
      expect(outcomes.filter((o) => o === "ok")).toHaveLength(1);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    const rows = await assertChain(id!);
    expect(rows).toHaveLength(4);
  });

  it("concurrent batches touching the same executions in different orders do not deadlock and keep chains", async () => {
    const ids = await executionsIn(w.service, w.workflow.id, ["running", "running", "running", "running"]);
    const clients = await connections(4);
    try {
      await Promise.all(clients.map(async (c, k) => {
        for (let i = 0; i < 10; i++) {
          const order = k % 2 === 0 ? ids : [...ids].reverse();
          const items = order.map((id) => ({ id, to_state: (i + k) % 2 === 0 ? "waiting" : "running" }));
          await c.query("select * from app_private.apply_execution_transitions($1::jsonb, null, false)", [JSON.stringify(items)]);
        }
      }));
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    for (const id of ids) await assertChain(id);
  });
});
