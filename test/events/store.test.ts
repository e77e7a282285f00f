import { randomUUID } from "node:crypto";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { LinkFlowError, ValidationError, VersionConflictError } from "../../src/errors.ts";
import { AggregateRepository, EventStore, Upcasters, WorkflowAggregate, type WorkflowState } from "../../src/events/index.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser } from "../harness/fixtures.ts";
import { waitFor } from "./wait.ts";

const db = useTestDatabase();
const ev = (type: string, data: Record<string, unknown> = {}, eventId?: string) => ({ type, data, ...(eventId ? { eventId } : {}) });

// Visibility waits on the cluster-wide horizon: another session's long writer can stall it (see docs/events.md).
describe("event store", { timeout: 240_000 }, () => {
  it("appends with expected versions: no stream, exact, any; a stale expectation raises LFVER naming the current version and writes nothing", async () => {
    const store = new EventStore(db.pool);
    const s = `test-${randomUUID()}`;
    expect((await store.append(s, "test", [ev("A"), ev("B")], { expectedVersion: "no_stream" })).nextVersion).toBe(2);
    const err = await store.append(s, "test", [ev("C")], { expectedVersion: 1 }).catch((e) => e);
    expect(err).toBeInstanceOf(VersionConflictError);
    expect(err.currentVersion).toBe(2);
    expect(err.sqlState).toBe("LFVER");
    const again = await store.append(s, "test", [ev("C")], { expectedVersion: "no_stream" }).catch((e) => e);
    expect(again).toBeInstanceOf(VersionConflictError);
    expect((await store.append(s, "test", [ev("C")], { expectedVersion: 2 })).nextVersion).toBe(3);
    expect((await store.append(s, "test", [ev("D")], { expectedVersion: "any" })).nextVersion).toBe(4);
    const missing = await store.append(`test-${randomUUID()}`, "test", [ev("A")], { expectedVersion: 3 }).catch((e) => e);
    expect(missing).toBeInstanceOf(VersionConflictError);
    expect(missing.currentVersion).toBe(0);
    expect((await store.load(s)).map((e) => [e.type, e.streamVersion])).toEqual([["A", 1], ["B", 2], ["C", 3], ["D", 4]]);
    expect(await store.streamVersion(s)).toBe(4);
  });

  it("returns the original result when the same event ids are appended again, and refuses ids reused elsewhere", async () => {
    const store = new EventStore(db.pool);
    const s = `test-${randomUUID()}`;
    const ids = [randomUUID(), randomUUID()];
    const first = await store.append(s, "test", [ev("A", {}, ids[0]), ev("B", {}, ids[1])], { expectedVersion: "no_stream" });
    const retry = await store.append(s, "test", [ev("A", {}, ids[0]), ev("B", {}, ids[1])], { expectedVersion: "no_stream" });
    expect(retry.events).toEqual(first.events);
    expect(await store.streamVersion(s)).toBe(2);
    const elsewhere = await store.append(`test-${randomUUID()}`, "test", [ev("A", {}, ids[0])]).catch((e) => e);
    expect(elsewhere).toBeInstanceOf(LinkFlowError);
    expect(elsewhere.code).toBe("DUPLICATE_EVENT");
    const partial = await store.append(s, "test", [ev("A", {}, ids[0]), ev("Z", {}, randomUUID())]).catch((e) => e);
    expect(partial.code).toBe("DUPLICATE_EVENT");
    expect(await store.streamVersion(s)).toBe(2);
  });

  it("treats an empty batch as a no-op, refuses archived streams and bad input with typed errors, writing nothing", async () => {
    const store = new EventStore(db.pool);
    const s = `test-${randomUUID()}`;
    expect((await store.append(s, "test", [])).events).toEqual([]);
    expect((await db.pool.query("select count(*)::int as n from app_public.event_streams where id = $1", [s])).rows[0].n).toBe(0);
    await store.append(s, "test", [ev("A")]);
    await db.pool.query("update app_public.event_streams set archived = true where id = $1", [s]);
    const archived = await store.append(s, "test", [ev("B")]).catch((e) => e);
    expect(archived.code).toBe("ARCHIVED");
    const badType = await store.append(`test-${randomUUID()}`, "test", [{ type: "", data: {} }]).catch((e) => e);
    expect(badType).toBeInstanceOf(ValidationError);
    const notArray = await db.pool.query("select * from app_private.append_events('x', 'test', null, '{}'::jsonb)").catch((e) => e);
    expect(notArray.code).toBe("LFVAL");
    const negative = await store.append(s, "test", [ev("B")], { expectedVersion: -1 }).catch((e) => e);
    expect(negative).toBeInstanceOf(ValidationError);
    expect(await store.streamVersion(s)).toBe(1);
  });

  it("refuses UPDATE, DELETE and TRUNCATE of events; erasure redacts personal data and nothing else", async () => {
    const user = await makeUser(db.pool);
    const team = await makeTeam(db.pool);
    const store = new EventStore(db.pool);
    const s = `test-${randomUUID()}`;
    await store.append(s, "test", [
      { type: "UserInvited", data: { user_id: user.id, email: user.email, team: "kept" }, metadata: { actor: user.id, trace_id: "t1" } },
      { type: "Other", data: { email: "someone@else.example" }, metadata: { actor: null } },
    ], { teamId: team.id });
    for (const sql of ["update app_public.events set type = 'X' where stream_id = $1", "delete from app_public.events where stream_id = $1"]) {
      const err = await db.pool.query(sql, [s]).catch((e) => e);
      expect(err.code).toBe("LFIMM");
    }
    expect((await db.pool.query("truncate app_public.events cascade").catch((e) => e)).code).toBe("LFIMM");
    const n = await db.pool.query("select app_private.erase_event_personal_data($1) as n", [user.id]);
    expect(Number(n.rows[0].n)).toBe(1);
    const [a, b] = await store.load(s);
    expect(a!.data).toEqual({ user_id: null, email: "[erased]", team: "kept" });
    expect(a!.metadata.actor).toBeNull();
    expect(a!.metadata.trace_id).toBe("t1");
    expect(a!.metadata.erased).toBeTruthy();
    expect(b!.data).toEqual({ email: "someone@else.example" });
    // the erasure switch does not leak out of the function
    expect((await db.pool.query("update app_public.events set type = 'X' where stream_id = $1", [s]).catch((e) => e)).code).toBe("LFIMM");
  });

  it("reads a stream forwards and backwards from a version", async () => {
    const store = new EventStore(db.pool);
    const s = `test-${randomUUID()}`;
    await store.append(s, "test", Array.from({ length: 10 }, (_, i) => ev(`E${i + 1}`)));
    expect((await store.load(s, { fromVersion: 8 })).map((e) => e.streamVersion)).toEqual([8, 9, 10]);
    expect((await store.load(s, { fromVersion: 3, backwards: true })).map((e) => e.streamVersion)).toEqual([3, 2, 1]);
    expect((await store.load(s, { backwards: true, maxCount: 2 })).map((e) => e.streamVersion)).toEqual([10, 9]);
    expect((await store.load(s, { fromVersion: 2, maxCount: 2 })).map((e) => e.type)).toEqual(["E2", "E3"]);
  });

  it("reads all events after a checkpoint, optionally by type and stream type", async () => {
    const store = new EventStore(db.pool);
    const tag = randomUUID();
    await store.append(`alpha-${tag}`, `alpha_${tag.slice(0, 8)}`, [ev("T1", { tag }), ev("T2", { tag })]);
    await store.append(`beta-${tag}`, `beta_${tag.slice(0, 8)}`, [ev("T1", { tag })]);
    const mine = await waitFor(async () => (await store.readAll(undefined, { maxCount: 10_000 })).filter((e) => e.data.tag === tag), (m) => m.length === 3);
    expect(mine.map((e) => e.type)).toEqual(["T1", "T2", "T1"]);
    const typed = await store.readAll(undefined, { maxCount: 10_000, types: ["T2"], streamTypes: [`alpha_${tag.slice(0, 8)}`] });
    expect(typed.map((e) => e.type)).toEqual(["T2"]);
    const after = await store.readAll({ transactionId: mine[0]!.transactionId, globalPosition: mine[0]!.globalPosition }, { maxCount: 10_000 });
    expect(after.filter((e) => e.data.tag === tag).map((e) => e.type)).toEqual(["T2", "T1"]);
  });

  it("hides transactions at or after the snapshot xmin and reports the oldest running xid's age", async () => {
    const store = new EventStore(db.pool);
    const writer = new pg.Client({ connectionString: db.ownerUrl });
    await writer.connect();
    try {
      await writer.query("begin");
      await writer.query("select pg_current_xact_id()"); // an open writer
      const s = `test-${randomUUID()}`;
      await store.append(s, "test", [ev("Later")]); // commits after the open writer started
      const h = await db.pool.query("select * from app_private.event_store_horizon()");
      expect(Number(h.rows[0].oldest_running_xid_age)).toBeGreaterThan(0);
      const visible = await store.readAll(undefined, { maxCount: 10_000 });
      expect(visible.some((e) => e.streamId === s)).toBe(false); // held back by the open writer
      await writer.query("rollback");
      await waitFor(() => store.readAll(undefined, { maxCount: 10_000 }), (now) => now.some((e) => e.streamId === s));
    } finally {
      await writer.end();
    }
  });

  it("N parallel appends with the same expected version: exactly one wins, the others get LFVER, the stream holds only the winner's events", async () => {
    const store = new EventStore(db.pool);
    const s = `race-${randomUUID()}`;
    await store.append(s, "test", [ev("Start")]);
    const clients = await Promise.all(Array.from({ length: 8 }, async () => { const c = new pg.Client({ connectionString: db.ownerUrl }); await c.connect(); return c; }));
    try {
      const results = await Promise.allSettled(clients.map((c, i) =>
        store.append(s, "test", [ev("Move", { writer: i }), ev("Move2", { writer: i })], { expectedVersion: 1, client: c })));
      const won = results.filter((r) => r.status === "fulfilled");
      const lost = results.filter((r) => r.status === "rejected") as PromiseRejectedResult[];
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(7);
      for (const l of lost) expect(l.reason).toBeInstanceOf(VersionConflictError);
      const events = await store.load(s);
      expect(events).toHaveLength(3);
      const winner = (won[0] as PromiseFulfilledResult<unknown>) && events[1]!.data.writer;
      expect(events.slice(1).every((e) => e.data.writer === winner)).toBe(true);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it("N parallel 'any' appends all succeed with contiguous versions", async () => {
    const store = new EventStore(db.pool);
    const s = `any-${randomUUID()}`;
    const clients = await Promise.all(Array.from({ length: 8 }, async () => { const c = new pg.Client({ connectionString: db.ownerUrl }); await c.connect(); return c; }));
    try {
      await Promise.all(clients.map(async (c, i) => {
        for (let k = 0; k < 5; k++) await store.append(s, "test", [ev("X", { i, k }), ev("Y", { i, k })], { expectedVersion: "any", client: c });
      }));
      const events = await store.load(s);
      expect(events.map((e) => e.streamVersion)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
      // each append's two events are adjacent
      for (let i = 0; i < 80; i += 2) expect(events[i]!.data).toEqual(events[i + 1]!.data);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it("upcasts old schema versions step by step when reading", async () => {
    const up = new Upcasters()
      .register("Renamed", 1, (d) => ({ title: d.name }))
      .register("Renamed", 2, (d) => ({ ...d, title_upper: String(d.title).toUpperCase() }));
    const store = new EventStore(db.pool, up);
    const s = `up-${randomUUID()}`;
    await store.append(s, "test", [{ type: "Renamed", data: { name: "old" } }, { type: "Renamed", data: { title: "mid" }, schemaVersion: 2 }]);
    const [a, b] = await store.load(s);
    expect(a!.data).toEqual({ title: "old", title_upper: "OLD" });
    expect(a!.schemaVersion).toBe(3);
    expect(b!.data).toEqual({ title: "mid", title_upper: "MID" });
    expect(up.currentVersion("Renamed")).toBe(3);
    expect(() => up.register("Renamed", 1, (d) => d)).toThrow(ValidationError);
  });

  it("aggregates: applyChange, handlers, version and uncommitted changes; the repository snapshots every N events and loads snapshot + later events", async () => {
    const team = await makeTeam(db.pool);
    const store = new EventStore(db.pool);
    const repo = new AggregateRepository<WorkflowState, WorkflowAggregate>({ store, create: (id) => new WorkflowAggregate(id), snapshotEvery: 3 });
    const id = randomUUID();
    const w = await repo.load(id);
    expect(w.version).toBe(0);
    w.create(team.id, { name: "first" });
    w.changeStatus("active");
    expect(w.uncommittedChanges().map((c) => c.type)).toEqual(["WorkflowCreated", "WorkflowStatusChanged"]);
    expect(w.version).toBe(2);
    await repo.save(w, { teamId: team.id });
    expect(w.uncommittedChanges()).toEqual([]);
    expect(await store.loadSnapshot(w.streamId)).toBeNull();
    const w2 = await repo.load(id);
    w2.changeStatus("inactive");
    w2.changeStatus("active");
    await repo.save(w2, { teamId: team.id });
    const snap = await store.loadSnapshot<WorkflowState>(w2.streamId);
    expect(snap?.version).toBe(4);
    expect(snap?.state.status).toBe("active");
    // a later event on top of the snapshot
    const w3 = await repo.load(id);
    w3.changeStatus("archived");
    await repo.save(w3);
    const loaded = await repo.load(id);
    expect(loaded.version).toBe(5);
    expect(loaded.state).toMatchObject({ exists: true, name: "first", status: "archived", teamId: team.id });
    // a concurrent writer loses with a version conflict
    const a = await repo.load(id);
    const b = await repo.load(id);
    a.changeStatus("inactive");
    b.delete();
    await repo.save(a);
    await expect(repo.save(b)).rejects.toBeInstanceOf(VersionConflictError);
    expect(() => { const d = new WorkflowAggregate(randomUUID()); d.delete(); }).toThrow(/does not exist/);
  });
});
