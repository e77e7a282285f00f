import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFauxqs } from "fauxqs";
import { DuckDBInstance } from "@duckdb/node-api";
import { S3Storage } from "../../src/storage/s3.ts";
import { loadArchiveConfig } from "../../src/archive/config.ts";
import { archiveStorage } from "../../src/archive/storage.ts";
import { runArchiveWithPool, type ArchiverSettings } from "../../src/archive/archiver.ts";
import { ArchiveReader } from "../../src/archive/retrieval.ts";
import { decrypt, encrypt, isoFromMicros, isoFromUtcText, JsonText, readParquet, writeParquet, type ExecutionDocument } from "../../src/archive/format.ts";
import { parquetMetadata } from "hyparquet";
import { useTestDatabase } from "../harness/db.ts";
import { seedExecutions } from "./seed.ts";

const db = useTestDatabase();
let server: Awaited<ReturnType<typeof startFauxqs>>;
let s3: S3Storage;
let dir: string;
const KEY = "11".repeat(32);

beforeAll(async () => {
  server = await startFauxqs({ port: 0, logger: false });
  dir = await mkdtemp(path.join(tmpdir(), "lf-archive-fmt-"));
  const cfg = loadArchiveConfig({
    ARCHIVE_STORAGE: "s3", S3_ENDPOINT: server.address, S3_BUCKET: "lf-archive", S3_PREFIX: "cold", S3_REGION: "us-east-1",
    S3_ACCESS_KEY_ID: "test", S3_SECRET_ACCESS_KEY: "test",
  });
  s3 = archiveStorage(cfg) as S3Storage;
  await s3.ensureBucket();
});
afterAll(async () => { await server?.stop(); await rm(dir, { recursive: true, force: true }); });

const doc = (i: number): ExecutionDocument => ({
  id: `0190e7c2-0000-7000-8000-${String(i).padStart(12, "0")}`, team_id: "0190e7c2-0000-7000-8000-00000000aaaa",
  workflow_id: "0190e7c2-0000-7000-8000-00000000bbbb", workflow_version: 2, state: i % 2 ? "failed" : "succeeded", trigger_type: "webhook",
  trigger_id: null, input: { n: i, nested: { a: [1, "x"] } }, output: null, error: i % 2 ? { message: "boom" } : null, attempt: 1,
  idempotency_key: i === 0 ? "k-0" : null, version: 3, created_at: `2026-01-0${1 + (i % 5)}T10:00:00.12345${i % 10}Z`, started_at: null,
  finished_at: "2026-01-01T10:00:01.000001Z", duration_ms: 999, updated_at: "2026-01-01T10:00:02.500000Z",
  transitions: [{ seq: 1, from_state: null, to_state: "pending", at: "2026-01-01T10:00:00.123456Z", actor_id: null, reason: null, details: { x: 1 } }],
  node_runs: [{ node_name: "A", node_id: null, attempt: 1, status: "succeeded", started_at: null, finished_at: null, output: [1, 2], error: null }],
});

describe("archive: storage and file format", { timeout: 120_000 }, () => {
  it("S3Storage talks to a real S3 API (fauxqs): put with sha256 metadata, head, get, list, delete", async () => {
    const body = Buffer.from("hello parquet");
    const info = await s3.put("a/b/one.bin", body);
    expect(info.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await s3.head("a/b/one.bin")).toMatchObject({ size: body.length, sha256: info.sha256 });
    expect((await s3.get("a/b/one.bin")).equals(body)).toBe(true);
    await s3.put("a/c/two.bin", Buffer.from("x"));
    expect((await s3.list("a/")).map((o) => o.key)).toEqual(["a/b/one.bin", "a/c/two.bin"]);
    await s3.delete("a/b/one.bin");
    expect(await s3.head("a/b/one.bin")).toBeNull();
    await expect(s3.get("a/b/one.bin")).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(s3.put("../x", body)).rejects.toThrow(/invalid storage key/);
  });

  it("round-trips documents through Parquet exactly (microsecond timestamps, JSON, nulls) and reads row ranges", async () => {
    const docs = Array.from({ length: 25 }, (_, i) => doc(i));
    const file = writeParquet(docs, { rowGroupSize: 10 });
    expect(await readParquet(file)).toEqual(docs);
    expect(await readParquet(file, 12, 14)).toEqual(docs.slice(12, 14));
  });

  it("turns the listing's UTC timestamp text into the one ISO form (archive_iso, isoFromMicros) for every fraction length", async () => {
    // in the session settings archive_list_page pins (the literals carry their offsets)
    const c = await db.pool.connect();
    let rows: { utc: string; iso: string; micros: string }[];
    try {
      await c.query("begin");
      await c.query("set local timezone = 'UTC'");
      await c.query("set local datestyle = 'ISO, YMD'");
      ({ rows } = await c.query(`select t::text as utc, app_private.archive_iso(t) as iso, (extract(epoch from t) * 1000000)::bigint::text as micros
        from (values ('2026-10-30 00:01:01+00'::timestamptz), ('2026-10-30 00:01:01.1+00'), ('2026-10-30 00:01:01.12+05'),
                     ('2026-10-30 00:01:01.000001+00'), ('1999-12-31 23:59:59.999999-08'), ('1970-01-01 00:00:00+00'),
                     ('1969-12-31 23:59:59.5+00'), ('2024-02-29 12:00:00.123456+00')) v(t)`));
      await c.query("commit");
    } finally { c.release(); }
    expect(rows.map((r) => r.utc)).toContain("2026-10-29 19:01:01.12+00");
    expect(rows).toHaveLength(8);
    for (const r of rows) {
      expect(isoFromUtcText(r.utc)).toBe(r.iso);
      expect(isoFromUtcText(r.utc)).toBe(isoFromMicros(r.micros));
    }
  });

  it("writes zstd Parquet that DuckDB reads from local disk (columns, types, nested JSON)", async () => {
    const file = path.join(dir, "batch.parquet");
    await writeFile(file, writeParquet(Array.from({ length: 25 }, (_, i) => doc(i))));
    const duck = await DuckDBInstance.create(":memory:");
    const c = await duck.connect();
    const codecs = (await c.runAndReadAll(`select distinct compression from parquet_metadata('${file}')`)).getRowObjects();
    expect(codecs).toEqual([{ compression: "ZSTD" }]);
    const r = (await c.runAndReadAll(`select count(*)::int n, count(*) filter (where state = 'failed')::int f,
      typeof(min(created_at)) t, strftime(min(created_at) at time zone 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ') lo,
      max(json_extract_string(transitions, '$[0].to_state')) s from read_parquet('${file}')`)).getRowObjects();
    expect(r).toEqual([{ n: 25, f: 12, t: "TIMESTAMP WITH TIME ZONE", lo: "2026-01-01T10:00:00.123450Z", s: "pending" }]);
    c.closeSync();
  });

  it("stores JSON text byte for byte as the archiver reads it from PostgreSQL, in columns every reader sees as JSON", async () => {
    // what PostgreSQL holds: an integer beyond a double's precision, a decimal with its trailing zero, jsonb's spacing
    const { rows: [pgText] } = await db.pool.query(`select '{"big": 12345678901234567890, "d": 1.50, "s": "é\\tx"}'::jsonb::text as input,
      json_build_array(json_build_object('seq', 1, 'to_state', 'pending'))::text as transitions`);
    const docs = [0, 1].map((i) => ({ ...doc(i), input: new JsonText(pgText.input), output: i ? null : new JsonText("null"),
      transitions: new JsonText(pgText.transitions), node_runs: [] }));
    const file = path.join(dir, "json-text.parquet");
    const bytes = writeParquet(docs);
    await writeFile(file, bytes);
    const schema = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer).schema;
    for (const name of ["input", "output", "error", "transitions", "node_runs"]) {
      expect(schema.find((e) => e.name === name), name).toMatchObject({ type: "BYTE_ARRAY", converted_type: "JSON", logical_type: { type: "JSON" } });
    }
    const duck = await DuckDBInstance.create(":memory:");
    const c = await duck.connect();
    const r = (await c.runAndReadAll(`select typeof(input) t, input::varchar i, transitions::varchar tr, json_extract_string(transitions, '$[0].to_state') s
      from read_parquet('${file}') limit 1`)).getRowObjects();
    expect(r).toEqual([{ t: "JSON", i: pgText.input, tr: pgText.transitions, s: "pending" }]);
    c.closeSync();
    // read back as values (JSON null is null), the same values PostgreSQL's text parses to
    const back = await readParquet(bytes);
    expect(back.map((d) => d.input)).toEqual([JSON.parse(pgText.input), JSON.parse(pgText.input)]);
    expect(back[0]!.output).toBeNull();
    expect(back[0]!.transitions).toEqual([{ seq: 1, to_state: "pending" }]);
    expect(back[1]!.node_runs).toEqual([]);
  });

  it("encrypts at rest with AES-256-GCM: authenticated, bound to the key, not readable as Parquet", async () => {
    const plain = writeParquet([doc(1)]);
    const sealed = encrypt(plain, Buffer.from(KEY, "hex"), "k/1.parquet");
    expect(sealed.subarray(0, 4).toString()).not.toBe("PAR1");
    expect(decrypt(sealed, Buffer.from(KEY, "hex"), "k/1.parquet").equals(plain)).toBe(true);
    expect(() => decrypt(sealed, Buffer.from("22".repeat(32), "hex"), "k/1.parquet")).toThrow(/authentication/);
    expect(() => decrypt(sealed, Buffer.from(KEY, "hex"), "k/2.parquet")).toThrow(/authentication/);
    expect(() => loadArchiveConfig({ ARCHIVE_ENCRYPTION_KEY: "short" })).toThrow(/32 bytes/);
    expect(() => loadArchiveConfig({ ARCHIVE_STORAGE: "s3" })).toThrow(/S3_BUCKET/);
  });

  it("archives to S3 encrypted, serves cold reads through it, and refuses a tampered object", async () => {
    const t = await seedExecutions(db.pool, { daysAgo: [50], perDay: 12 });
    const { rows: ids } = await db.pool.query("select id from app_public.executions where team_id = $1 order by created_at desc, id desc", [t.teamId]);
    const settings: ArchiverSettings = { hotDays: 30, coldDays: 365, batchSize: 100, rowGroupSize: 5, zstdLevel: 9, encryptionKey: Buffer.from(KEY, "hex") };
    const reader = new ArchiveReader({ pool: db.pool, storage: s3, encryptionKey: settings.encryptionKey });
    const hot = await reader.getExecution(ids[3].id);
    const r = await runArchiveWithPool(db.pool, { storage: s3, settings, teamId: t.teamId });
    expect(r).toMatchObject({ planned: 1, verified: 1, deletedBatches: 1 });
    const { rows: [b] } = await db.pool.query("select key, encrypted, sha256 from app_private.archive_batches where team_id = $1", [t.teamId]);
    expect(b.encrypted).toBe(true);
    expect((await s3.head(b.key))?.sha256).toBe(b.sha256);
    const cold = await reader.getExecution(ids[3].id);
    expect({ ...cold, source: "hot" }).toEqual(hot);
    const noKey = new ArchiveReader({ pool: db.pool, storage: s3, encryptionKey: null });
    await expect(noKey.getExecution(ids[3].id)).rejects.toMatchObject({ code: "CONFIG" });
    // tamper: the checksum check refuses every read
    const body = await s3.get(b.key);
    body[body.length - 1] = body[body.length - 1]! ^ 0xff;
    await s3.put(b.key, body);
    await expect(reader.getExecution(ids[3].id)).rejects.toThrow(/checksum mismatch/);
    await expect(reader.listExecutions({ teamId: t.teamId })).rejects.toThrow(/checksum mismatch/);
  });
});
