// Keeps daily partitions of executions, transitions and metric samples created ahead (default 7 days) and
// fails loudly when gaps remain. Scheduled hourly by ./crontab; safe to run at any time (idempotent).
import type { Task } from "graphile-worker";

interface Payload { days_ahead?: number }

const task: Task = async (payload, helpers) => {
  const daysAhead = (payload as Payload | null)?.days_ahead ?? null;
  const created = await helpers.query<{ partition_name: string }>(
    "select partition_name from app_private.ensure_partitions($1) where created",
    [daysAhead],
  );
  if (created.rowCount) helpers.logger.info(`created partitions: ${created.rows.map((r) => r.partition_name).join(", ")}`);
  const gaps = await helpers.query<{ parent: string; missing_day: string }>(
    "select parent, missing_day::text from app_private.partition_gaps(coalesce($1, 7))",
    [daysAhead],
  );
  if (gaps.rowCount) {
    throw new Error(`partition gaps remain: ${gaps.rows.map((g) => `${g.parent}@${g.missing_day}`).join(", ")}`);
  }
};

export default task;
