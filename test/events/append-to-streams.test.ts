import { randomUUID } from "node:crypto";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LinkFlowError, ValidationError, VersionConflictError } from "../../src/errors.ts";
import { EventStore, type ExpectedVersion, type NewEvent } from "../../src/events/index.ts";
import { useTestDatabase } from "../harness/db.ts";

const db = useTestDatabase();
const ev = (type: string, data: Record<string, unknown> = {}, eventId?: string): NewEvent => ({ type, data, ...(eventId ? { eventId } : {}) });
const withIds = (...types: string[]) => types.map((t, i) => ev(t, { i }, randomUUID()));

async function connect(): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: db.ownerUrl });
  await c.connect();
  return c;
}

/** Resolves once the backend of `client` waits on a lock (so a racing call is really in flight behind another). */
async function waitUntilBlocked(observer: pg.ClientBase, pid: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await observer.query("select wait_event_type from pg_stat_activity where pid = $1", [pid]);
    if (rows[0]?.wait_event_type === "Lock") return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`backend ${pid} never blocked on a lock`);
}

async function pidOf(c: pg.Client): Promise<number> {
  return (await c.query<{ pid: number }>("select pg_backend_pid() as pid")).rows[0]!.pid;
}

describe("multi-stream append (append_to_streams)", { timeout: 240_000 }, () => {
  it("appends to several streams in one all-or-nothing call, one result per stream in input order", async () => {
    const store = new EventStore(db.pool);
    const [a, b, c] = [`ms-b-${randomUUID()}`, `ms-a-${randomUUID()}`, `ms-c-${randomUUID()}`];
    await store.append(b, "test", [ev("Before")]);
    const out = await store.appendToStreams([
      { streamId: a, streamType: "test", events: [ev("A1"), ev("A2")], expectedVersion: "no_stream" },
      { streamId: b, streamType: "test", events: [ev("B2")], expectedVersion: 1 },
      { streamId: c, streamType: "test", events: [], expectedVersion: 5 },
    ]);
    expect(out.map((r) => r.nextVersion)).toEqual([2, 2, 5]);
    expect(out[0]!.events.map((e) => e.streamVersion)).toEqual([1, 2]);
    expect(out[1]!.events.map((e) => e.streamVersion)).toEqual([2]);
    expect(out[2]!.events).toEqual([]);
    // global positions follow the input order
    const positions = [...out[0]!.events, ...out[1]!.events].map((e) => e.globalPosition);
    expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
    expect((await store.load(b)).map((e) => e.type)).toEqual(["Before", "B2"]);
    // the stream without events was skipped entirely (no stream row, no expectation check)
    expect(await store.streamVersion(c)).toBe(0);
  });

  it("a stale expectation, an archived stream or bad input on any stream writes nothing to any, naming the stream", async () => {
    const store = new EventStore(db.pool);
    const [a, b] = [`ms-${randomUUID()}`, `ms-${randomUUID()}`];
    await store.append(b, "test", [ev("One"), ev("Two")]);
    const stale = await store.appendToStreams([
      { streamId: a, streamType: "test", events: [ev("A")], expectedVersion: "no_stream" },
      { streamId: b, streamType: "test", events: [ev("B")], expectedVersion: 1 },
    ]).catch((e) => e);
    expect(stale).toBeInstanceOf(VersionConflictError);
    expect(stale.currentVersion).toBe(2);
    expect(stale.message).toContain(b);
    expect(await store.streamVersion(a)).toBe(0);
    expect(await store.streamVersion(b)).toBe(2);

    await db.pool.query("update app_public.event_streams set archived = true where id = $1", [b]);
    const archived = await store.appendToStreams([
      { streamId: a, streamType: "test", events: [ev("A")] },
      { streamId: b, streamType: "test", events: [ev("B")] },
    ]).catch((e) => e);
    expect(archived.code).toBe("ARCHIVED");
    expect(archived.message).toContain(b);
    expect(await store.streamVersion(a)).toBe(0);

    const twice = await store.appendToStreams([
      { streamId: a, streamType: "test", events: [ev("A")] },
      { streamId: a, streamType: "test", events: [ev("A")] },
    ]).catch((e) => e);
    expect(twice).toBeInstanceOf(ValidationError);
    const badEvent = await store.appendToStreams([
      { streamId: a, streamType: "test", events: [ev("A")] },
      { streamId: `ms-${randomUUID()}`, streamType: "test", events: [ev("B"), { type: "", data: {} }] },
    ]).catch((e) => e);
    expect(badEvent).toBeInstanceOf(ValidationError);
    expect(badEvent.message).toContain("appends[1].events[1].type");
    expect(badEvent.field).toBe("type");
    const dupId = randomUUID();
    const sameIdTwice = await store.appendToStreams([{ streamId: a, streamType: "test", events: [ev("A", {}, dupId), ev("B", {}, dupId)] }]).catch((e) => e);
    expect(sameIdTwice).toBeInstanceOf(ValidationError);
    for (const bad of ["{}", "[1]", '[{"stream_id":"x","stream_type":"t","events":[{"type":"X","event_id":"nope"}]}]',
      '[{"stream_id":"x","stream_type":"t","events":[{"type":"X","metadata":[]}]}]',
      '[{"stream_id":"x","stream_type":"t","team_id":"nope","events":[{"type":"X"}]}]',
      '[{"stream_id":"x","stream_type":"t","expected_version":-1,"events":[{"type":"X"}]}]',
      '[{"stream_id":"","stream_type":"t","events":[{"type":"X"}]}]']) {
      const err = await db.pool.query("select * from app_private.append_to_streams($1::jsonb)", [bad]).catch((e) => e);
      expect(err.code, bad).toBe("LFVAL");
    }
    expect(await store.streamVersion(a)).toBe(0);
    expect((await db.pool.query("select count(*)::int as n from app_public.event_streams where id = 'x'")).rows[0].n).toBe(0);
  });

  it("every event belongs to an existing stream and a stream with events cannot be deleted (23503, checked per statement)", async () => {
    const store = new EventStore(db.pool);
    const s = `ms-${randomUUID()}`;
    await store.append(s, "test", [ev("A")]);
    const orphan = await db.pool.query(
      `insert into app_public.events (stream_id, stream_type, stream_version, event_id, type)
       values ($1, 'test', 2, gen_random_uuid(), 'X'), ($2, 'test', 1, gen_random_uuid(), 'X')`, [s, `missing-${randomUUID()}`]).catch((e) => e);
    expect(orphan.code).toBe("23503");
    expect(orphan.constraint).toBe("events_stream_id_fkey");
    expect(await store.load(s)).toHaveLength(1);
    const del = await db.pool.query("delete from app_public.event_streams where id = $1", [s]).catch((e) => e);
    expect(del.code).toBe("23503");
    expect(await store.streamVersion(s)).toBe(1);
    const empty = `ms-${randomUUID()}`;
    await db.pool.query("insert into app_public.event_streams (id, type) values ($1, 'test')", [empty]);
    expect((await db.pool.query("delete from app_public.event_streams where id = $1", [empty])).rowCount).toBe(1);
  });

  it("concurrent multi-stream appends over the same streams in opposite orders never deadlock and keep versions contiguous", async () => {
    const store = new EventStore(db.pool);
    const streams = Array.from({ length: 6 }, () => `ms-dl-${randomUUID()}`);
    const clients = await Promise.all(Array.from({ length: 6 }, connect));
    try {
      await Promise.all(clients.map(async (c, w) => {
        for (let k = 0; k < 15; k++) {
          const order = w % 2 ? [...streams].reverse() : [...streams].sort(() => Math.random() - 0.5);
          await store.appendToStreams(order.map((s) => ({ streamId: s, streamType: "test", events: [ev("X", { w, k })] })), { client: c });
        }
      }));
      for (const s of streams) {
        expect((await store.load(s)).map((e) => e.streamVersion)).toEqual(Array.from({ length: 90 }, (_, i) => i + 1));
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});

// Issue 18: a retry of the same event ids returns the original result in every interleaving, also while the
// original's transaction is still open on another connection.
describe("append retries in flight", { timeout: 240_000 }, () => {
  let observer: pg.Client;
  beforeAll(async () => { observer = await connect(); });
  afterAll(async () => { await observer.end(); });

  const cases: { name: string; expected: ExpectedVersion; existing: number }[] = [
    { name: "expected version null (any) on a new stream", expected: "any", existing: 0 },
    { name: "expected version null (any) on an existing stream", expected: "any", existing: 2 },
    { name: "expected version 0 (no stream)", expected: "no_stream", existing: 0 },
    { name: "expected version n", expected: 3, existing: 3 },
  ];

  for (const c of cases) {
    for (const outcome of ["commit", "rollback"] as const) {
      it(`${c.name}: the retry waits for the original and, after its ${outcome}, ${outcome === "commit" ? "returns the original result" : "appends normally"}`, async () => {
        const store = new EventStore(db.pool);
        const s = `retry-${randomUUID()}`;
        if (c.existing) await store.append(s, "test", Array.from({ length: c.existing }, (_, i) => ev("Seed", { i })));
        const events = withIds("A", "B", "C");
        const original = await connect();
        const retrier = await connect();
        const retrierPid = await pidOf(retrier);
        try {
          await original.query("begin");
          const first = await store.append(s, "test", events, { expectedVersion: c.expected, client: original });
          const retry = store.append(s, "test", events, { expectedVersion: c.expected, client: retrier });
          await waitUntilBlocked(observer, retrierPid);
          await original.query(outcome);
          const second = await retry;
          const stored = await store.load(s);
          if (outcome === "commit") {
            expect(second).toEqual(first);
            expect(stored.map((e) => e.eventId)).toEqual([...stored.slice(0, c.existing).map((e) => e.eventId), ...events.map((e) => e.eventId)]);
          } else {
            expect(second.events.map((e) => e.streamVersion)).toEqual([c.existing + 1, c.existing + 2, c.existing + 3]);
            expect(second.events.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId));
          }
          expect(stored).toHaveLength(c.existing + 3);
          expect(await store.streamVersion(s)).toBe(c.existing + 3);
          // and a retry after everything settled still returns the stored result
          expect(await store.append(s, "test", events, { expectedVersion: c.expected })).toEqual(second);
        } finally {
          await original.query("rollback").catch(() => undefined);
          await Promise.all([original.end(), retrier.end()]);
        }
      });
    }
  }

  it("a multi-stream retry in flight returns the original result after the commit", async () => {
    const store = new EventStore(db.pool);
    const [a, b] = [`retry-${randomUUID()}`, `retry-${randomUUID()}`];
    await store.append(b, "test", [ev("Seed")]);
    const appends = [
      { streamId: a, streamType: "test", events: withIds("A1", "A2"), expectedVersion: "no_stream" as const },
      { streamId: b, streamType: "test", events: withIds("B2"), expectedVersion: 1 },
    ];
    const original = await connect();
    const retrier = await connect();
    const retrierPid = await pidOf(retrier);
    try {
      await original.query("begin");
      const first = await store.appendToStreams(appends, { client: original });
      const retry = store.appendToStreams(appends, { client: retrier });
      await waitUntilBlocked(observer, retrierPid);
      await original.query("commit");
      expect(await retry).toEqual(first);
      expect(await store.streamVersion(a)).toBe(2);
      expect(await store.streamVersion(b)).toBe(2);
    } finally {
      await Promise.all([original.end(), retrier.end()]);
    }
  });

  it("reused ids with another payload or on another stream are LFDUP, also while the original is in flight", async () => {
    const store = new EventStore(db.pool);
    const s = `retry-${randomUUID()}`;
    const events = withIds("A", "B");
    const original = await connect();
    const other = await connect();
    const elsewhere = await connect();
    const [otherPid, elsewherePid] = [await pidOf(other), await pidOf(elsewhere)];
    try {
      await original.query("begin");
      await store.append(s, "test", events, { expectedVersion: "no_stream", client: original });
      const changed = store.append(s, "test", [events[0]!, { ...events[1]!, data: { changed: true } }], { client: other }).catch((e) => e);
      await waitUntilBlocked(observer, otherPid);
      const moved = store.append(`retry-${randomUUID()}`, "test", events, { client: elsewhere }).catch((e) => e);
      await waitUntilBlocked(observer, elsewherePid);
      await original.query("commit");
      for (const err of [await changed, await moved]) {
        expect(err).toBeInstanceOf(LinkFlowError);
        expect(err.code).toBe("DUPLICATE_EVENT");
        expect(err.sqlState).toBe("LFDUP");
      }
      expect(await store.streamVersion(s)).toBe(2);
      // after the commit, too
      const later = await store.append(s, "test", [{ ...events[0]!, type: "Other" }]).catch((e) => e);
      expect(later.sqlState).toBe("LFDUP");
    } finally {
      await original.query("rollback").catch(() => undefined);
      await Promise.all([original.end(), other.end(), elsewhere.end()]);
    }
  });
});
