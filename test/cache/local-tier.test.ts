import { describe, expect, it } from "vitest";
import { LocalTier } from "../../src/cache/local-tier.ts";
import { afterCommit, withTransaction } from "../../src/db/transaction.ts";
import { keySlot, groupBySlot } from "../../src/cache/slot.ts";
import { globToRegExp } from "../../src/cache/keys.ts";
import { useTestDatabase } from "../harness/db.ts";

const db = useTestDatabase();
const entry = (value: unknown, size = 10, tags: string[] = []) => ({ value, schemaVersion: 1, expiresAt: Date.now() + 60_000, tags, size });

describe("the local tier", () => {
  it("is bounded by entries and by bytes, evicting the least recently used", () => {
    const t = new LocalTier({ maxEntries: 3, maxBytes: 1000 });
    for (const k of ["a", "b", "c"]) t.put(k, entry(k), t.mark());
    t.get("a", 1); // a is now the most recent
    t.put("d", entry("d"), t.mark());
    expect(t.keys().sort()).toEqual(["a", "c", "d"]);
    t.put("big", entry("big", 995), t.mark()); // 995 + any other entry > 1000 bytes
    expect(t.approximateBytes).toBeLessThanOrEqual(1000);
    expect(t.keys()).toEqual(["big"]);
    expect(t.evictions).toBeGreaterThan(0);
  });

  it("freezes values and refuses puts that started before a drop of their key or tag", () => {
    const t = new LocalTier();
    const before = t.mark();
    t.dropKeys(["k"]);
    expect(t.put("k", entry({ v: 1 }), before)).toBe(false);
    expect(t.put("other", entry({ v: 1 }), before)).toBe(true);
    expect(Object.isFrozen(t.peek("other")!.value)).toBe(true);
    const m2 = t.mark();
    t.dropTags(["tg"]);
    expect(t.put("tagged", entry(1, 10, ["tg"]), m2)).toBe(false);
    expect(t.put("tagged", entry(1, 10, ["tg"]), t.mark())).toBe(true);
    t.dropTags(["tg"]);
    expect(t.peek("tagged")).toBeUndefined();
    const m3 = t.mark();
    t.dropMatching(globToRegExp("x:*"));
    expect(t.put("y", entry(1), m3)).toBe(false); // a pattern drop refuses every older load
  });

  it("matches Redis globs and groups keys per cluster slot", () => {
    expect(globToRegExp("users:email:*").test("users:email:a@b.c")).toBe(true);
    expect(globToRegExp("users:?d:*").test("users:id:1")).toBe(true);
    expect(globToRegExp("users:id:*").test("users:email:1")).toBe(false);
    expect(keySlot("123456789")).toBe(12739); // the CRC16/XMODEM check value mod 16384
    expect(groupBySlot(["{a}1", "{a}2", "{b}1"]).map((g) => g.length).sort()).toEqual([1, 2]);
  });
});

describe("afterCommit", () => {
  it("runs after the outermost commit, once, never for a rolled-back or retried attempt", async () => {
    const ran: string[] = [];
    let attempt = 0;
    await withTransaction(db.pool, async (c) => {
      attempt++;
      await withTransaction(db.pool, async () => { await afterCommit(db.pool, () => { ran.push(`attempt ${attempt}`); }); });
      expect(ran).toEqual([]); // not before the commit
      await c.query("select 1");
      if (attempt === 1) throw Object.assign(new Error("serialization failure"), { code: "40001" });
    });
    expect(ran).toEqual(["attempt 2"]);
    await withTransaction(db.pool, async () => {
      await afterCommit(db.pool, () => { ran.push("rolled back"); });
      throw new Error("boom");
    }).catch(() => {});
    expect(ran).toEqual(["attempt 2"]);
    await afterCommit(db.pool, () => { ran.push("no transaction"); });
    expect(ran).toEqual(["attempt 2", "no transaction"]);
  });
});
