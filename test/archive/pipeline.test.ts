// The archiver's pipeline primitives: a serial queue per connection and the shared/exclusive gate over the
// execution tables (plans and reads share it; a partition drop has it alone).
import { describe, expect, it } from "vitest";
import { gate, serialQueue } from "../../src/archive/pipeline.ts";

const tick = () => new Promise<void>((r) => setTimeout(r, 5));
function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

describe("archive pipeline: serial queue", () => {
  it("runs what it is given one at a time, in order, and goes on after a failure", async () => {
    const q = serialQueue();
    const log: string[] = [];
    let running = 0;
    const step = (name: string, fail = false) => q(async () => {
      expect(++running).toBe(1);
      await tick();
      log.push(name);
      running--;
      if (fail) throw new Error(name);
      return name;
    });
    const results = await Promise.allSettled([step("a"), step("b", true), step("c")]);
    expect(log).toEqual(["a", "b", "c"]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    await q.idle();
  });
});

describe("archive pipeline: tables gate", () => {
  it("lets shared holders run together and keeps an exclusive holder apart from all of them", async () => {
    const g = gate();
    const events: string[] = [];
    const readDone = deferred();
    const planDone = deferred();
    const read = g.shared(async () => { events.push("read+"); await readDone.promise; events.push("read-"); });
    const plan = g.shared(async () => { events.push("plan+"); await planDone.promise; events.push("plan-"); });
    const drop = g.exclusive(async () => { events.push("drop+"); await tick(); events.push("drop-"); });
    // a shared request made after the waiting drop goes after it (drops are not starved)
    const nextRead = g.shared(async () => { events.push("next+"); events.push("next-"); });
    await tick();
    expect(events).toEqual(["read+", "plan+"]);
    readDone.resolve();
    await tick();
    expect(events).toEqual(["read+", "plan+", "read-"]);
    planDone.resolve();
    await Promise.all([read, plan, drop, nextRead]);
    expect(events).toEqual(["read+", "plan+", "read-", "plan-", "drop+", "drop-", "next+", "next-"]);
  });

  it("releases the gate when a holder fails", async () => {
    const g = gate();
    await expect(g.exclusive(async () => { throw new Error("boom"); })).rejects.toThrow("boom");
    await expect(g.shared(async () => "ok")).resolves.toBe("ok");
    await expect(g.exclusive(async () => "ok")).resolves.toBe("ok");
  });
});
