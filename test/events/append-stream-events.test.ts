import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";

const db = useTestDatabase();

type Row = { event_id: string; stream_version: string; global_position: string };

/** app_private.append_stream_events with parallel arrays built from [type, data, metadata] triples. */
async function appendArrays(stream: string, expected: number | null, events: [string | null, unknown, unknown][], opts: { teamId?: string; eventIds?: string[]; streamType?: string } = {}): Promise<Row[]> {
  const { rows } = await db.pool.query<Row>(
    `select * from app_private.append_stream_events($1, $2, $3, $4::text[], $5::jsonb[], $6::jsonb[], $7, $8::uuid[])`,
    [stream, opts.streamType ?? "test", expected, events.map((e) => e[0]), events.map((e) => (e[1] === undefined ? null : JSON.stringify(e[1]))),
      events.map((e) => (e[2] === undefined ? null : JSON.stringify(e[2]))), opts.teamId ?? null, opts.eventIds ?? null],
  );
  return rows;
}

async function appendJson(stream: string, expected: number | null, events: unknown[]): Promise<Row[]> {
  const { rows } = await db.pool.query<Row>(`select * from app_private.append_events($1, 'test', $2, $3::jsonb)`, [stream, expected, JSON.stringify(events)]);
  return rows;
}

async function stored(stream: string) {
  const { rows } = await db.pool.query(
    `select stream_version::int, type, schema_version, data, metadata, team_id from app_public.events where stream_id = $1 order by stream_version`, [stream]);
  return rows;
}

async function errorOf(p: Promise<unknown>): Promise<{ code?: string; detail?: string; message: string }> {
  try { await p; } catch (e) { return e as { code?: string; detail?: string; message: string }; }
  throw new Error("expected the call to fail");
}

describe("the array form of the append (append_stream_events)", { timeout: 120_000 }, () => {
  it("appends to an existing stream in order and stores what the JSON form stores", async () => {
    const [a, b] = [`arr-${randomUUID()}`, `arr-${randomUUID()}`];
    await appendJson(a, 0, [{ type: "Created" }]);
    await appendJson(b, 0, [{ type: "Created" }]);
    const out = await appendArrays(a, 1, [["One", { n: 1 }, { actor: "x" }], ["Two", undefined, undefined], ["Three", [1, 2], undefined]]);
    await appendJson(b, 1, [{ type: "One", data: { n: 1 }, metadata: { actor: "x" } }, { type: "Two" }, { type: "Three", data: [1, 2] }]);
    expect(out.map((r) => Number(r.stream_version))).toEqual([2, 3, 4]);
    const positions = out.map((r) => BigInt(r.global_position));
    expect([...positions].sort((x, y) => (x < y ? -1 : 1))).toEqual(positions);
    expect(await stored(a)).toEqual(await stored(b));
    expect((await stored(a))[3]).toMatchObject({ type: "Three", schema_version: 1, data: [1, 2], metadata: {} });
  });

  it("creates a new stream when the expectation allows it, and refuses a stale expectation with LFVER like the JSON form", async () => {
    const s = `arr-${randomUUID()}`;
    expect((await appendArrays(s, null, [["First", {}, {}]])).map((r) => Number(r.stream_version))).toEqual([1]);
    const t = `arr-${randomUUID()}`;
    expect((await appendArrays(t, 0, [["First", {}, {}]])).map((r) => Number(r.stream_version))).toEqual([1]);
    const stale = await errorOf(appendArrays(s, 5, [["Late", {}, {}]]));
    const staleJson = await errorOf(appendJson(s, 5, [{ type: "Late" }]));
    expect(stale).toMatchObject({ code: "LFVER", detail: staleJson.detail, message: staleJson.message });
    expect(await errorOf(appendArrays(s, 0, [["Again", {}, {}]]))).toMatchObject({ code: "LFVER" });
    expect((await stored(s)).map((e) => e.type)).toEqual(["First"]);
  });

  it("refuses an archived stream (LFARC) and malformed events (LFVAL, the JSON form's field) and writes nothing", async () => {
    const s = `arr-${randomUUID()}`;
    await appendArrays(s, null, [["First", {}, {}]]);
    await db.pool.query("update app_public.event_streams set archived = true where id = $1", [s]);
    expect(await errorOf(appendArrays(s, null, [["Late", {}, {}]]))).toMatchObject({ code: "LFARC" });
    const u = `arr-${randomUUID()}`;
    await appendArrays(u, null, [["First", {}, {}]]);
    for (const [bad, field] of [
      [[null, {}, {}], "type"],
      [["", {}, {}], "type"],
      [["x".repeat(201), {}, {}], "type"],
      [["Meta", {}, [1]], "metadata"],
      [["Meta", {}, "text"], "metadata"],
    ] as [[string | null, unknown, unknown], string][]) {
      expect(await errorOf(appendArrays(u, null, [["Fine", {}, {}], bad]))).toMatchObject({ code: "LFVAL", detail: `field: ${field}` });
    }
    // arrays of different lengths
    const mismatch = await errorOf(db.pool.query(
      `select * from app_private.append_stream_events($1, 'test', null, array['A','B'], array['{}'::jsonb], array['{}'::jsonb, '{}'::jsonb])`, [u]));
    expect(mismatch).toMatchObject({ code: "LFVAL", detail: "field: events" });
    expect((await stored(u)).map((e) => e.type)).toEqual(["First"]);
    // nothing to append is a no-op
    expect(await appendArrays(u, 7, [])).toEqual([]);
  });

  it("answers a retry with caller event ids with the original result, and other content under the same ids with LFDUP", async () => {
    const s = `arr-${randomUUID()}`;
    await appendArrays(s, null, [["First", {}, {}]]);
    const ids = [randomUUID(), randomUUID()];
    const first = await appendArrays(s, null, [["A", { k: 1 }, {}], ["B", {}, {}]], { eventIds: ids });
    const again = await appendArrays(s, null, [["A", { k: 1 }, {}], ["B", {}, {}]], { eventIds: ids });
    expect(again).toEqual(first);
    expect(first.map((r) => r.event_id)).toEqual(ids);
    expect(await errorOf(appendArrays(s, null, [["A", { k: 2 }, {}], ["B", {}, {}]], { eventIds: ids }))).toMatchObject({ code: "LFDUP" });
    expect((await stored(s)).map((e) => e.type)).toEqual(["First", "A", "B"]);
  });

  it("keeps a stream's versions gap-free under 16 concurrent appenders", async () => {
    const s = `arr-${randomUUID()}`;
    await appendArrays(s, 0, [["Created", {}, {}]]);
    await Promise.all(Array.from({ length: 16 }, async (_, w) => {
      for (let i = 0; i < 10; i++) await appendArrays(s, null, [[`W${w}`, { i }, {}], [`W${w}`, { i, second: true }, {}]]);
    }));
    const versions = (await stored(s)).map((e) => e.stream_version);
    expect(versions).toEqual(Array.from({ length: 321 }, (_, i) => i + 1));
    const { rows } = await db.pool.query("select version::int from app_public.event_streams where id = $1", [s]);
    expect(rows[0].version).toBe(321);
  });

  it("takes the stream's team when none is given, the given one otherwise", async () => {
    const team = (await db.pool.query("insert into app_public.teams (slug, name) values ($1, 'Arrays') returning id", [`arr-${randomUUID().slice(0, 8)}`])).rows[0].id as string;
    const s = `arr-${randomUUID()}`;
    await appendArrays(s, 0, [["Created", {}, {}]], { teamId: team });
    await appendArrays(s, null, [["Later", {}, {}]]);
    expect((await stored(s)).map((e) => e.team_id)).toEqual([team, team]);
  });
});

describe("the multi-stream array form of the append (append_streams_events)", { timeout: 120_000 }, () => {
  const multi = (streams: string[], events: [number, string | null, unknown, unknown][], teams?: (string | null)[]) => db.pool.query(
    `select * from app_private.append_streams_events($1::text[], $2::text[], $3::uuid[], $4::int[], $5::text[], $6::jsonb[], $7::jsonb[])`,
    [streams, streams.map(() => "test"), teams ?? streams.map(() => null), events.map((e) => e[0]), events.map((e) => e[1]),
      events.map((e) => (e[2] === undefined ? null : JSON.stringify(e[2]))), events.map((e) => (e[3] === undefined ? null : JSON.stringify(e[3])))]);

  it("appends to existing streams in input order and stores what append_to_streams stores", async () => {
    const [a, b, c, d] = Array.from({ length: 4 }, () => `marr-${randomUUID()}`);
    for (const s of [a, b, c, d]) await appendJson(s!, 0, [{ type: "Created" }]);
    const out = (await multi([a!, b!], [[1, "A1", { n: 1 }, { actor: "x" }], [2, "B1", undefined, undefined], [1, "A2", [1], undefined]])).rows;
    await db.pool.query(`select * from app_private.append_to_streams($1::jsonb)`, [JSON.stringify([
      { stream_id: c, stream_type: "test", events: [{ type: "A1", data: { n: 1 }, metadata: { actor: "x" } }, { type: "A2", data: [1] }] },
      { stream_id: d, stream_type: "test", events: [{ type: "B1" }] }])]);
    expect(out.map((r) => [r.stream_id, Number(r.stream_version)])).toEqual([[a, 2], [b, 2], [a, 3]]);
    expect(await stored(a!)).toEqual(await stored(c!));
    expect(await stored(b!)).toEqual(await stored(d!));
  });

  it("creates new streams and refuses an archived one or bad input through the careful path, writing nothing on refusal", async () => {
    const [a, b, fresh] = Array.from({ length: 3 }, () => `marr-${randomUUID()}`);
    await appendJson(a!, 0, [{ type: "Created" }]);
    await appendJson(b!, 0, [{ type: "Created" }]);
    const created = (await multi([a!, fresh!], [[1, "A", {}, {}], [2, "F", {}, {}]])).rows;
    expect(created.map((r) => Number(r.stream_version))).toEqual([2, 1]);
    await db.pool.query("update app_public.event_streams set archived = true where id = $1", [b]);
    await expect(multi([a!, b!], [[1, "A", {}, {}], [2, "B", {}, {}]])).rejects.toMatchObject({ code: "LFARC" });
    await expect(multi([a!], [[1, "", {}, {}]])).rejects.toMatchObject({ code: "LFVAL", detail: "field: type" });
    await expect(multi([a!], [[1, "A", {}, [1]]])).rejects.toMatchObject({ code: "LFVAL", detail: "field: metadata" });
    await expect(db.pool.query(`select * from app_private.append_streams_events($1::text[], array['test'], array[null]::uuid[], array[1,1], array['A'], array['{}'::jsonb], array['{}'::jsonb])`, [[a]]))
      .rejects.toMatchObject({ code: "LFVAL", detail: "field: events" });
    expect((await stored(a!)).map((e) => e.type)).toEqual(["Created", "A"]);
    expect((await stored(b!)).map((e) => e.type)).toEqual(["Created"]);
  });

  it("never deadlocks and keeps versions gap-free when concurrent batches share streams in any order", async () => {
    const streams = Array.from({ length: 6 }, () => `marr-${randomUUID()}`);
    for (const s of streams) await appendJson(s, 0, [{ type: "Created" }]);
    await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; i < 10; i++) {
        const picked = [...streams].sort(() => Math.random() - 0.5).slice(0, 3);
        await multi(picked, picked.map((_, k) => [k + 1, `W${w}`, { i }, {}] as [number, string, unknown, unknown]));
      }
    }));
    let total = 0;
    for (const s of streams) {
      const versions = (await stored(s)).map((e) => e.stream_version);
      expect(versions).toEqual(Array.from({ length: versions.length }, (_, i) => i + 1));
      total += versions.length - 1;
    }
    expect(total).toBe(8 * 10 * 3);
  });
});
