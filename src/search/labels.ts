// Execution labels: key/value pairs an engine attaches to an execution (validated and size-limited in SQL).
import type pg from "pg";
import { mapDbError } from "../db/errors.ts";

/**
 * Merges labels into an execution's labels ({key: value} sets, {key: null} removes) and returns all of them.
 * Service path (owner pool, no role check); pass a client to label in the transaction that started the execution.
 */
export async function setExecutionLabels(db: pg.Pool | pg.ClientBase, executionId: string, labels: Record<string, string | null>,
  actorId: string | null = null): Promise<Record<string, string>> {
  try {
    const { rows: [r] } = await db.query<{ labels: Record<string, string> }>(
      "select app_private.set_execution_labels($1, $2::jsonb, $3, false) as labels", [executionId, JSON.stringify(labels), actorId]);
    return r!.labels;
  } catch (e) {
    throw mapDbError(e);
  }
}
