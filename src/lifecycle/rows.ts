// bigint columns arrive as strings from pg; the lifecycle API returns numbers (byte and row counts stay far
// below 2^53).
const NUMERIC = new Set(["hot_executions", "hot_bytes", "cold_executions", "cold_bytes", "events", "executions_this_month",
  "expected_count", "processed", "acted", "skipped", "bytes", "executions", "budget_limit", "usage"]);

export function numbers<T>(row: Record<string, unknown>): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = NUMERIC.has(k) && typeof v === "string" ? Number(v) : v;
  return out as T;
}
