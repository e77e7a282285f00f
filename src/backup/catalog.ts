// Reading the backup catalog (app_private.backups) and finding backups when the catalog is gone (storage only).
import type { Queryable } from "../db/pool.ts";
import type { Storage } from "../storage/storage.ts";
import { BackupNotFoundError } from "./errors.ts";
import { MANIFEST } from "./manifest.ts";

export interface CatalogEntry {
  id: string;
  database_name: string;
  format: string;
  storage_name: string;
  storage_key: string;
  started_at: Date;
  finished_at: Date | null;
  duration_ms: number | null;
  size_bytes: number | null;
  sha256: string | null;
  server_version: string | null;
  outcome: "running" | "succeeded" | "failed";
  replica_storage_name: string | null;
  replica_verified_at: Date | null;
  deleted_at: Date | null;
}

const COLS = `id, database_name, format, storage_name, storage_key, started_at, finished_at, duration_ms::float8 as duration_ms,
  size_bytes::float8 as size_bytes, sha256, server_version, outcome, replica_storage_name, replica_verified_at, deleted_at`;

export async function listBackups(q: Queryable, database?: string): Promise<CatalogEntry[]> {
  const { rows } = await q.query<CatalogEntry>(
    `select ${COLS} from app_private.backups where $1::text is null or database_name = $1 order by started_at desc`, [database ?? null]);
  return rows;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Resolves "latest", a backup id or a manifest key through the catalog (live, succeeded backups only). */
export async function resolveFromCatalog(q: Queryable, ref: string, database?: string): Promise<CatalogEntry> {
  const where = ref === "latest" ? "$1::text is null and database_name = coalesce($2, current_database())"
    : `${UUID.test(ref) ? "id = $1::uuid" : "storage_key = $1"} and ($2::text is null or database_name = $2)`;
  const { rows } = await q.query<CatalogEntry>(
    `select ${COLS} from app_private.backups where ${where} and outcome = 'succeeded' and deleted_at is null
      order by started_at desc limit 1`, [ref === "latest" ? null : ref, database ?? null]);
  if (!rows[0]) throw new BackupNotFoundError(ref);
  return rows[0];
}

/** Without a catalog (lost server): the newest manifest of a database on the first store that has one. */
export async function latestManifestKey(stores: Storage[], database: string): Promise<string> {
  for (const s of stores) {
    const keys = (await s.list(`logical/${database}/`)).map((o) => o.key).filter((k) => k.endsWith(`/${MANIFEST}`)).sort();
    if (keys.length) return keys[keys.length - 1]!;
  }
  throw new BackupNotFoundError(`latest of ${database}`);
}
