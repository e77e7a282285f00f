// Applies the workflow version retention policy (app_private.apply_workflow_version_retention): with
// workflow_settings.retention_keep_last = null (the default) it keeps everything and does nothing; with n it
// deletes versions older than the last n, except versions that were ever active or are pinned by executions.
// Idempotent; a workflow whose version got pinned concurrently is skipped and retried on the next run.
import type { Task } from "graphile-worker";

interface Payload { keep_last?: number; workflow_id?: string }

const task: Task = async (payload, helpers) => {
  const p = (payload ?? {}) as Payload;
  const { rows } = await helpers.query<{ workflow_id: string; deleted: number; skipped: boolean }>(
    "select workflow_id, deleted, skipped from app_private.apply_workflow_version_retention($1, $2)",
    [p.keep_last ?? null, p.workflow_id ?? null],
  );
  const deleted = rows.reduce((n, r) => n + r.deleted, 0);
  const skipped = rows.filter((r) => r.skipped).length;
  if (deleted || skipped) helpers.logger.info(`workflow version retention: deleted ${deleted} versions, skipped ${skipped} workflows`);
};

export default task;
