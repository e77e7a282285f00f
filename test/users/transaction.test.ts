import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError, ValidationError } from "../../src/errors.ts";
import { currentClient, withTransaction } from "../../src/db/transaction.ts";
import { useTestDatabase } from "../harness/db.ts";
import { rejection } from "./helpers.ts";

const db = useTestDatabase();

/** Resolves once n parties have arrived. */
function barrier(n: number) {
  let arrived = 0;
  let release!: () => void;
  const all = new Promise<void>((r) => { release = r; });
  return async () => { if (++arrived === n) release(); await all; };
}

beforeAll(async () => {
  await db.pool.query("create table public.tx_counters (id int primary key, n int not null)");
  await db.pool.query("insert into public.tx_counters values (1, 0), (2, 0)");
});

describe("users: withTransaction (shared by every repository)", () => {
  it("retries a real serialization failure (40001) between two concurrent serializable transactions", async () => {
    await db.pool.query("create table public.tx_oncall (doctor text primary key, on_call boolean not null)");
    await db.pool.query("insert into public.tx_oncall values ('a', true), ('b', true)");
    const meet = barrier(2);
    let attempts = 0;
    // Classic write skew: each takes itself off call if someone else is on call.
    const goOff = (doctor: string) => withTransaction(db.pool, async (c) => {
      const attempt = ++attempts;
      const { rows } = await c.query("select count(*)::int as n from public.tx_oncall where on_call");
      if (attempt <= 2) await meet(); // both read before either writes (first attempts only)
      if (rows[0].n > 1) await c.query("update public.tx_oncall set on_call = false where doctor = $1", [doctor]);
      return rows[0].n;
    }, { isolation: "serializable" });
    const results = await Promise.all([goOff("a"), goOff("b")]);
    // At least one of the two was retried. A retry can meet the other, still uncommitted, transaction and
    // conflict again (the other is then the one aborted), so the count is not always exactly 3.
    expect(attempts).toBeGreaterThanOrEqual(3);
    expect(results.sort()).toEqual([1, 2]);
    const { rows } = await db.pool.query("select count(*)::int as n from public.tx_oncall where on_call");
    expect(rows[0].n).toBe(1); // the invariant held
  });

  it("retries a real deadlock (40P01) and both transactions complete", async () => {
    const meet = barrier(2);
    let attempts = 0;
    const bump = (first: number, second: number) => withTransaction(db.pool, async (c) => {
      const attempt = ++attempts;
      await c.query("update public.tx_counters set n = n + 1 where id = $1", [first]);
      if (attempt <= 2) await meet();
      await c.query("update public.tx_counters set n = n + 1 where id = $1", [second]);
    });
    await Promise.all([bump(1, 2), bump(2, 1)]);
    expect(attempts).toBe(3);
    const { rows } = await db.pool.query("select id, n from public.tx_counters order by id");
    expect(rows).toEqual([{ id: 1, n: 2 }, { id: 2, n: 2 }]);
  });

  it("gives up after maxRetries with a typed ConflictError", async () => {
    let attempts = 0;
    const e = await rejection(withTransaction(db.pool, async () => {
      attempts++;
      throw Object.assign(new Error("could not serialize access"), { code: "40001" });
    }, { maxRetries: 2 }));
    expect(e).toBeInstanceOf(ConflictError);
    expect(attempts).toBe(3);
  });

  it("does not retry other errors and maps them to typed errors", async () => {
    let attempts = 0;
    const e = await rejection(withTransaction(db.pool, async (c) => {
      attempts++;
      await c.query("insert into public.tx_counters values (99, null)");
    }));
    expect(e).toBeInstanceOf(ValidationError);
    expect(attempts).toBe(1);
  });

  it("nested calls reuse the outer transaction (same backend, same xid) and roll back with it", async () => {
    const seen = await rejection(withTransaction(db.pool, async (outer) => {
      await outer.query("insert into public.tx_counters values (10, 0)");
      const outerTx = (await outer.query("select pg_current_xact_id()::text as x, pg_backend_pid() as pid")).rows[0];
      const inner = await withTransaction(db.pool, async (c) => {
        expect(c).toBe(outer);
        expect(currentClient(db.pool)).toBe(outer);
        const { rows } = await c.query("select pg_current_xact_id()::text as x, pg_backend_pid() as pid, (select count(*)::int from public.tx_counters where id = 10) as visible");
        return rows[0];
      });
      expect(inner).toEqual({ ...outerTx, visible: 1 });
      throw new Error("outer fails after the nested call");
    }));
    expect(seen.code).toBe("INTERNAL");
    const { rows } = await db.pool.query("select count(*)::int as n from public.tx_counters where id = 10");
    expect(rows[0].n).toBe(0);
    expect(currentClient(db.pool)).toBeUndefined();
  });

  it("runs as the visitor with claims when asked (RLS applies) and read-only when asked", async () => {
    const who = await withTransaction(db.pool, async (c) => (await c.query("select current_user as u, app_public.current_user_id() as id")).rows[0],
      { asUser: { userId: "00000000-0000-7000-8000-000000000001" } });
    expect(who).toEqual({ u: "linkflow_visitor", id: "00000000-0000-7000-8000-000000000001" });
    const ro = await rejection(withTransaction(db.pool, (c) => c.query("update public.tx_counters set n = 0"), { readOnly: true, isolation: "repeatable read" }));
    expect(ro.sqlState).toBe("25006");
  });
});
