// The manifest stored next to every logical backup: what the backup is, every object's size and sha256, and
// the per-table row counts and checksums taken in the dump's snapshot. Restores need only the storage.
export interface ManifestFile {
  /** Storage key of the object. */
  key: string;
  /** Path relative to the dump (custom format: "dump"; directory format: "dump/<file>"). */
  path: string;
  size: number;
  sha256: string;
}

export interface TableStat { table: string; rows: number; checksum: string }

export interface BackupManifest {
  version: 1;
  id: string;
  database: string;
  /** Owner role of the database (restores give the new database the same owner when the role exists). */
  owner: string;
  format: "custom" | "directory";
  createdAt: string;
  serverVersion: string;
  pgDumpVersion: string;
  databaseBytes: number;
  durationMs: number;
  files: ManifestFile[];
  tables: TableStat[];
}

export const MANIFEST = "manifest.json";

export function parseManifest(buf: Buffer): BackupManifest {
  const m = JSON.parse(buf.toString("utf8")) as BackupManifest;
  if (m.version !== 1 || !Array.isArray(m.files) || !m.files.length || !["custom", "directory"].includes(m.format)) {
    throw new Error("not a LinkFlow backup manifest");
  }
  return m;
}

/** The prefix (folder) of a backup from its manifest key. */
export function backupPrefix(manifestKey: string): string {
  return manifestKey.endsWith(`/${MANIFEST}`) ? manifestKey.slice(0, -MANIFEST.length - 1) : manifestKey;
}
