// Purges users and teams soft-deleted longer ago than the restore window (app_private.auth_settings,
// 30 days by default): hard delete in batches; workflow authorship is anonymised by the foreign keys
// (workflow_versions.author_id and workflows.created_by become null). Scheduled daily by ./crontab;
// idempotent (a rerun finds nothing left to purge).
import type { Task } from "graphile-worker";

interface Payload { batch_size?: number; max_batches?: number }

const task: Task = async (payload, helpers) => {
  const p = (payload ?? {}) as Payload;
  const batch = p.batch_size ?? 500;
  const maxBatches = p.max_batches ?? 100;
  let users = 0;
  let teams = 0;
  for (let i = 0; i < maxBatches; i++) {
    const { rows } = await helpers.query<{ kind: string; id: string }>("select kind, id from app_private.purge_expired($1)", [batch]);
    for (const r of rows) r.kind === "user" ? users++ : teams++;
    if (rows.length === 0) break;
  }
  if (users || teams) helpers.logger.info(`purged ${users} users and ${teams} teams past the restore window`);
};

export default task;
