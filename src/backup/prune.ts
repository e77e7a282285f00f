// Applies the retention policy: deletes the objects of backups outside the keep-set (on every store) and marks
// them deleted in the catalog. Failed backups' leftovers are removed too; running backups are never touched.
import type pg from "pg";
import { logger } from "../logger.ts";
import type { Storage } from "../storage/storage.ts";
import { listBackups } from "./catalog.ts";
import { backupPrefix } from "./manifest.ts";
import { backupsToKeep, DEFAULT_RETENTION, type RetentionPolicy } from "./retention.ts";

export interface PruneResult { kept: string[]; deleted: string[] }

export async function pruneBackups(client: pg.ClientBase, stores: Storage[], opts: { now?: Date; policy?: RetentionPolicy; dryRun?: boolean; database?: string } = {}): Promise<PruneResult> {
  const { rows: [{ db }] } = await client.query("select current_database() as db");
  const all = (await listBackups(client, opts.database ?? db)).filter((b) => !b.deleted_at && b.outcome !== "running");
  const ok = all.filter((b) => b.outcome === "succeeded");
  const keep = backupsToKeep(ok.map((b) => ({ id: b.id, at: b.started_at })), opts.now ?? new Date(), opts.policy ?? DEFAULT_RETENTION);
  const doomed = all.filter((b) => !keep.has(b.id));
  if (!opts.dryRun) {
    for (const b of doomed) {
      const prefix = backupPrefix(b.storage_key) + "/";
      for (const s of stores) {
        // The manifest first: a half-deleted backup is never mistaken for a restorable one.
        await s.delete(b.storage_key);
        for (const o of await s.list(prefix)) await s.delete(o.key);
      }
      await client.query("update app_private.backups set deleted_at = now() where id = $1", [b.id]);
    }
    if (doomed.length) logger.info({ deleted: doomed.length, kept: keep.size }, "backups pruned");
  }
  return { kept: ok.filter((b) => keep.has(b.id)).map((b) => b.id), deleted: doomed.map((b) => b.id) };
}
