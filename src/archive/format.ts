// The archive file format: one Parquet file per batch (zstd pages, one row per execution, newest first), its
// transitions and node runs as nested JSON columns. Optionally sealed with AES-256-GCM. sha256 is over the
// stored bytes (what the manifest records and every read checks).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { zstdCompressSync, zstdDecompressSync, constants as zlibConstants } from "node:zlib";
import { ByteWriter, ParquetWriter } from "hyparquet-writer";
import { parquetMetadata, parquetReadObjects } from "hyparquet";
import { LinkFlowError } from "../errors.ts";

export interface TransitionDocument {
  seq: number; from_state: string | null; to_state: string; at: string; actor_id: string | null; reason: string | null; details: unknown;
}
export interface NodeRunDocument {
  node_name: string; node_id: string | null; attempt: number; status: string; started_at: string | null; finished_at: string | null;
  output: unknown; error: unknown;
}
/** An execution with its history, the same shape hot or cold. Timestamps: ISO UTC strings with microseconds. */
export interface ExecutionDocument {
  id: string; team_id: string; workflow_id: string; workflow_version: number; state: string; trigger_type: string;
  trigger_id: string | null; input: unknown; output: unknown; error: unknown; attempt: number; idempotency_key: string | null;
  version: number; created_at: string; started_at: string | null; finished_at: string | null; duration_ms: number | null;
  updated_at: string; transitions: TransitionDocument[]; node_runs: NodeRunDocument[];
}

export const FORMAT_VERSION = "1";

/** JSON as text, written to a JSON column byte for byte (the archiver's rows: PostgreSQL's json/jsonb output). */
export class JsonText {
  readonly text: string;
  constructor(text: string) { this.text = text; }
}

/** What writeParquet takes: a document whose JSON values may be JSON text already. */
export type EncodableDocument = Omit<ExecutionDocument, "transitions" | "node_runs"> & {
  transitions: TransitionDocument[] | JsonText; node_runs: NodeRunDocument[] | JsonText;
};
const TS_COLUMNS = ["created_at", "started_at", "finished_at", "updated_at"] as const;

/** Epoch microseconds -> "YYYY-MM-DDTHH:MM:SS.ffffffZ" (the text form app_private.archive_iso produces). */
export function isoFromMicros(micros: bigint | string | number): string {
  const m = BigInt(micros);
  let ms = m / 1000n;
  let rest = m % 1000n;
  if (rest < 0n) { rest += 1000n; ms -= 1n; }
  const base = new Date(Number(ms)).toISOString(); // ...SS.mmmZ
  return `${base.slice(0, 23)}${rest.toString().padStart(3, "0")}Z`;
}

/**
 * PostgreSQL's text of a timestamptz in TimeZone UTC and DateStyle ISO ("2026-10-30 00:01:01.1234+00", the
 * fraction without trailing zeros) -> the same text form as isoFromMicros ("2026-10-30T00:01:01.123400Z").
 * String slicing only: the listing calls it four times per row.
 */
export function isoFromUtcText(text: string): string {
  const sp = text.indexOf(" ");
  const frac = text.length - sp > 12 ? text.slice(sp + 10, -3) : ""; // " HH:MM:SS+00" is 12 characters
  return `${text.slice(0, sp)}T${text.slice(sp + 1, sp + 9)}.${frac.padEnd(6, "0")}Z`;
}

/** ISO string with up to microseconds -> epoch microseconds. */
export function microsFromIso(iso: string): bigint {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?(Z|[+-]\d\d:?\d\d)$/.exec(iso);
  if (!m) throw new Error(`bad timestamp ${iso}`);
  const secs = BigInt(Date.parse(`${m[1]}${m[3]}`)) / 1000n;
  return secs * 1_000_000n + BigInt((m[2] ?? "").padEnd(6, "0") || "0");
}

/** A row of app_private.execution_documents() (pg returns bigint as text) -> ExecutionDocument. */
export function documentFromRow(r: Record<string, any>): ExecutionDocument {
  return {
    id: r.id, team_id: r.team_id, workflow_id: r.workflow_id, workflow_version: r.workflow_version, state: r.state,
    trigger_type: r.trigger_type, trigger_id: r.trigger_id, input: r.input, output: r.output, error: r.error,
    attempt: r.attempt, idempotency_key: r.idempotency_key, version: r.version,
    created_at: isoFromMicros(r.created_at), started_at: r.started_at == null ? null : isoFromMicros(r.started_at),
    finished_at: r.finished_at == null ? null : isoFromMicros(r.finished_at),
    duration_ms: r.duration_ms == null ? null : Number(r.duration_ms), updated_at: isoFromMicros(r.updated_at),
    transitions: r.transitions ?? [], node_runs: r.node_runs ?? [],
  };
}

/** The archiver's read of app_private.archive_batch_documents(): its JSON columns as PostgreSQL's text. */
export const ARCHIVE_DOCUMENTS_SQL = `select batch_id, row_no, id, team_id, workflow_id, workflow_version, state, trigger_type, trigger_id,
    input::text as input, output::text as output, error::text as error, attempt, idempotency_key, version, created_at, started_at,
    finished_at, duration_ms, updated_at, transitions::text as transitions, node_runs::text as node_runs, transition_count,
    node_run_count, actor_ids, pg_bytes
  from app_private.archive_batch_documents($1::uuid[])`;

/** A row of ARCHIVE_DOCUMENTS_SQL -> the document to encode: documentFromRow's fields, the JSON values kept as text. */
export function encodableFromRow(r: Record<string, any>): EncodableDocument {
  const text = (v: string | null) => (v == null ? null : new JsonText(v));
  return {
    ...documentFromRow(r),
    input: text(r.input), output: text(r.output), error: text(r.error),
    transitions: r.transitions == null ? [] : new JsonText(r.transitions), node_runs: r.node_runs == null ? [] : new JsonText(r.node_runs),
  };
}

const str = (name: string, required = false) => ({ name, type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: required ? "REQUIRED" : "OPTIONAL" });
const json = (name: string, required = false) => ({
  name, type: "BYTE_ARRAY", converted_type: "JSON", logical_type: { type: "JSON" }, repetition_type: required ? "REQUIRED" : "OPTIONAL",
});
const JSON_COLUMNS = new Set(["input", "output", "error", "transitions", "node_runs"]);
const utf8 = new TextEncoder();
/** A JSON column's value as bytes: JSON text as is, anything else serialized; null stays null. */
const jsonBytes = (v: unknown): Uint8Array | null =>
  v == null ? null : utf8.encode(v instanceof JsonText ? v.text : JSON.stringify(v));
const int32 = (name: string) => ({ name, type: "INT32", repetition_type: "REQUIRED" });
const ts = (name: string, required = false) => ({
  name, type: "INT64", converted_type: "TIMESTAMP_MICROS", logical_type: { type: "TIMESTAMP", isAdjustedToUTC: true, unit: "MICROS" },
  repetition_type: required ? "REQUIRED" : "OPTIONAL",
});
const COLUMNS = [
  str("id", true), str("team_id", true), str("workflow_id", true), int32("workflow_version"), str("state", true), str("trigger_type", true),
  str("trigger_id"), json("input"), json("output"), json("error"), int32("attempt"), str("idempotency_key"), int32("version"),
  ts("created_at", true), ts("started_at"), ts("finished_at"),
  { name: "duration_ms", type: "INT64", repetition_type: "OPTIONAL" }, ts("updated_at", true), json("transitions", true), json("node_runs", true),
] as const;

export interface WriteOptions {
  zstdLevel?: number;
  rowGroupSize?: number;
  metadata?: Record<string, string>;
}

/** Writes documents (already in file order) as a Parquet file compressed with zstd. */
export function writeParquet(docs: EncodableDocument[], opts: WriteOptions = {}): Buffer {
  const level = opts.zstdLevel ?? 9;
  const col = (name: string) => docs.map((d) => (d as unknown as Record<string, unknown>)[name]);
  const columnData = COLUMNS.map((c) => {
    let data: unknown[] = col(c.name);
    if ((TS_COLUMNS as readonly string[]).includes(c.name)) data = data.map((v) => (v == null ? null : microsFromIso(v as string)));
    if (c.name === "duration_ms") data = data.map((v) => (v == null ? null : BigInt(v as number)));
    if (JSON_COLUMNS.has(c.name)) data = data.map(jsonBytes);
    return { name: c.name, data };
  });
  // The JSON columns' values are already JSON text as bytes (jsonBytes): they are written as plain byte arrays
  // (the writer would otherwise serialize every value again), and the file's schema, written last, declares them JSON.
  const root = { name: "root", num_children: COLUMNS.length };
  const asWritten = COLUMNS.map((c) => (JSON_COLUMNS.has(c.name) ? { name: c.name, type: c.type, repetition_type: c.repetition_type } : c));
  const writer = new ByteWriter();
  const file = new ParquetWriter({
    writer,
    schema: [root, ...asWritten] as any,
    codec: "ZSTD",
    compressors: { ZSTD: (input: Uint8Array) => new Uint8Array(zstdCompressSync(input, { params: { [zlibConstants.ZSTD_c_compressionLevel]: level } })) },
    createdBy: "linkflow-archive",
    kvMetadata: [
      { key: "linkflow.format", value: FORMAT_VERSION },
      ...Object.entries(opts.metadata ?? {}).map(([key, value]) => ({ key, value })),
    ],
  });
  const pending = file.write({ columnData: columnData as any, rowGroupSize: opts.rowGroupSize ?? 1000 });
  if (pending) throw new Error("unexpected asynchronous Parquet write"); // ByteWriter has no flush
  file.schema = [root, ...COLUMNS] as any;
  file.finish();
  return Buffer.from(writer.getBuffer());
}

const readCompressors = { ZSTD: (input: Uint8Array) => new Uint8Array(zstdDecompressSync(input)) };
const parsers = { timestampFromMicroseconds: (v: bigint) => v, jsonFromBytes: (b: Uint8Array) => JSON.parse(Buffer.from(b).toString("utf8")) };

/** Number of rows recorded in a Parquet file's footer. */
export function parquetRowCount(file: Buffer): number {
  const ab = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  return Number(parquetMetadata(ab).num_rows);
}

export type ExecutionSummary = Omit<ExecutionDocument, "transitions" | "node_runs">;
const SUMMARY_COLUMNS = COLUMNS.map((c) => c.name as string).filter((n) => n !== "transitions" && n !== "node_runs");

async function readRows(file: Buffer, rowStart: number | undefined, rowEnd: number | undefined, columns?: string[]): Promise<Record<string, any>[]> {
  const ab = file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file: ab, compressors: readCompressors, parsers, rowStart, rowEnd, ...(columns ? { columns } : {}) });
}

function summaryFromParquet(r: Record<string, any>): ExecutionSummary {
  return {
    id: r.id, team_id: r.team_id, workflow_id: r.workflow_id, workflow_version: r.workflow_version, state: r.state,
    trigger_type: r.trigger_type, trigger_id: r.trigger_id ?? null, input: r.input ?? null, output: r.output ?? null,
    error: r.error ?? null, attempt: r.attempt, idempotency_key: r.idempotency_key ?? null, version: r.version,
    created_at: isoFromMicros(r.created_at), started_at: r.started_at == null ? null : isoFromMicros(r.started_at),
    finished_at: r.finished_at == null ? null : isoFromMicros(r.finished_at),
    duration_ms: r.duration_ms == null ? null : Number(r.duration_ms), updated_at: isoFromMicros(r.updated_at),
  };
}

/** Reads rows [rowStart, rowEnd) (all by default) back into documents. */
export async function readParquet(file: Buffer, rowStart?: number, rowEnd?: number): Promise<ExecutionDocument[]> {
  const rows = await readRows(file, rowStart, rowEnd);
  return rows.map((r) => ({ ...summaryFromParquet(r), transitions: r.transitions, node_runs: r.node_runs }));
}

/** Reads only the id column (the archiver's read-back check: ids in row order against the index). */
export async function readParquetIds(file: Buffer): Promise<string[]> {
  return (await readRows(file, undefined, undefined, ["id"])).map((r) => r.id as string);
}

/** Reads only the top-level columns of rows [rowStart, rowEnd) (list queries skip the nested history). */
export async function readParquetSummaries(file: Buffer, rowStart?: number, rowEnd?: number): Promise<ExecutionSummary[]> {
  return (await readRows(file, rowStart, rowEnd, SUMMARY_COLUMNS)).map(summaryFromParquet);
}

// ---- encryption at rest: "LFAE1" | iv(12) | tag(16) | ciphertext; the object key is the AAD ----
const MAGIC = Buffer.from("LFAE1");

export function parseKey(raw: string | undefined | null): Buffer | null {
  if (!raw) return null;
  const buf = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (buf.length !== 32) throw new LinkFlowError("CONFIG", "ARCHIVE_ENCRYPTION_KEY must be 32 bytes (64 hex chars or base64)");
  return buf;
}

export function encrypt(plain: Buffer, key: Buffer, aad: string): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv("aes-256-gcm", key, iv);
  c.setAAD(Buffer.from(aad));
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([MAGIC, iv, c.getAuthTag(), body]);
}

export function isEncrypted(file: Buffer): boolean {
  return file.subarray(0, MAGIC.length).equals(MAGIC);
}

export function decrypt(sealed: Buffer, key: Buffer | null, aad: string): Buffer {
  if (!isEncrypted(sealed)) throw new ArchiveIntegrityError(`archive file ${aad} is not encrypted as expected`);
  if (!key) throw new LinkFlowError("CONFIG", `archive file ${aad} is encrypted and ARCHIVE_ENCRYPTION_KEY is not set`);
  const iv = sealed.subarray(5, 17);
  const tag = sealed.subarray(17, 33);
  const d = createDecipheriv("aes-256-gcm", key, iv);
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(sealed.subarray(33)), d.final()]);
  } catch (e) {
    throw new ArchiveIntegrityError(`archive file ${aad} failed authentication (wrong key or tampered)`, e);
  }
}

export function sha256(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}

/** A stored file does not match its manifest (checksum, row count) or cannot be authenticated. */
export class ArchiveIntegrityError extends LinkFlowError {
  constructor(message: string, cause?: unknown) { super("INTERNAL", message, cause === undefined ? {} : { cause }); }
}
