// Raw execution metric samples: partitions older than the retention (execution_settings, default 7 days) are
// checked against the day rollups (rebuilt from raw when they differ), then dropped; old minute/hour rollups and
// idempotency keys are pruned. Scheduled daily by ./crontab; idempotent.
import type { Task } from "graphile-worker";

interface Payload { retain_days?: number }

const task: Task = async (payload, helpers) => {
  const retainDays = (payload as Payload | null)?.retain_days ?? null;
  const { rows } = await helpers.query<{ partition_name: string; day: string; samples: string; repaired: boolean }>(
    "select partition_name, day::text, samples, repaired from app_private.rollup_and_drop_metric_samples($1)",
    [retainDays],
  );
  for (const r of rows) {
    helpers.logger.info(`dropped ${r.partition_name} (${r.samples} samples${r.repaired ? ", rollups rebuilt from raw" : ""})`);
  }
};

export default task;
