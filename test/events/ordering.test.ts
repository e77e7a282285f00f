import { randomUUID } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { EventStore } from "../../src/events/index.ts";
import type { Checkpoint } from "../../src/events/types.ts";
import { useTestDatabase } from "../harness/db.ts";
import { waitFor } from "./wait.ts";

const db = useTestDatabase();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Visibility waits on the cluster-wide horizon: another session's long writer can stall it (see docs/events.md).
describe("event store global ordering", { timeout: 240_000 }, () => {
  it("soak: concurrent writers (random delays, rollbacks, multi-event appends, out-of-order commits) and polling readers: every reader sees every committed event exactly once, in one order, and no rolled-back event", async () => {
    const store = new EventStore(db.pool);
    const tag = randomUUID();
    const WRITERS = 6, READERS = 3, SECONDS = 3;
    const committed = new Set<string>();
    const rolledBack = new Set<string>();
    const writers = await Promise.all(Array.from({ length: WRITERS }, async () => { const c = new pg.Client({ connectionString: db.ownerUrl }); await c.connect(); return c; }));
    const readers = await Promise.all(Array.from({ length: READERS }, async () => { const c = new pg.Client({ connectionString: db.ownerUrl }); await c.connect(); return c; }));
    const deadline = Date.now() + SECONDS * 1000;
    let writing = true;
    const seen: string[][] = readers.map(() => []);
    const positions: string[][] = readers.map(() => []);
    try {
      const writerLoops = writers.map(async (c, w) => {
        for (let i = 0; Date.now() < deadline; i++) {
          const n = 1 + Math.floor(Math.random() * 3);
          const markers = Array.from({ length: n }, () => randomUUID());
          await c.query("begin");
          // take an xid early half the time, so commit order and position order disagree with xid order
          if (Math.random() < 0.5) await c.query("select pg_current_xact_id()");
          await sleep(Math.random() * 15);
          const stream = `soak-${w}-${i % 7}`;
          await store.append(stream, "soak", markers.map((m) => ({ type: "Soak", data: { tag, m } })), { client: c });
          if (Math.random() < 0.5) {
            await store.append(`soak-shared-${i % 3}`, "soak", [{ type: "Soak", data: { tag, m: (markers.push(randomUUID()), markers[markers.length - 1]) } }], { client: c });
          }
          await sleep(Math.random() * 15);
          if (Math.random() < 0.2) {
            await c.query("rollback");
            markers.forEach((m) => rolledBack.add(m));
          } else {
            await c.query("commit");
            markers.forEach((m) => committed.add(m));
          }
        }
      });
      const readerLoops = readers.map(async (c, r) => {
        let cp: Checkpoint = { transactionId: 0n, globalPosition: 0n };
        for (;;) {
          const batch = await store.readAll(cp, { maxCount: 1 + Math.floor(Math.random() * 40), client: c });
          for (const e of batch) {
            if (e.data.tag === tag) { seen[r]!.push(String(e.data.m)); positions[r]!.push(`${e.transactionId}:${e.globalPosition}`); }
            cp = { transactionId: e.transactionId, globalPosition: e.globalPosition };
          }
          if (batch.length === 0) {
            if (!writing && committed.size > 0 && seen[r]!.length >= committed.size) return;
            await sleep(5);
          }
        }
      });
      await Promise.all(writerLoops);
      writing = false;
      await Promise.race([Promise.all(readerLoops), waitFor(async () => seen.every((s) => s.length >= committed.size), (x) => x, 150_000).then(() => sleep(200))]);
      expect(committed.size).toBeGreaterThan(50);
      expect(rolledBack.size).toBeGreaterThan(0);
      for (let r = 0; r < READERS; r++) {
        expect(new Set(seen[r]).size).toBe(seen[r]!.length); // exactly once
        expect(new Set(seen[r])).toEqual(committed); // every committed event
        expect(seen[r]!.some((m) => rolledBack.has(m))).toBe(false); // no rolled-back one
        expect(seen[r]).toEqual(seen[0]); // one consistent order
      }
      // the order is (transaction_id, global_position): strictly increasing pairs
      const pairs = positions[0]!.map((p) => p.split(":").map(BigInt) as [bigint, bigint]);
      for (let i = 1; i < pairs.length; i++) {
        const [a, b] = [pairs[i - 1]!, pairs[i]!];
        expect(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1])).toBe(true);
      }
    } finally {
      writing = false;
      await Promise.all([...writers, ...readers].map((c) => c.end().catch(() => {})));
    }
  }, 240_000);
});
