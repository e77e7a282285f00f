// Trims or drops node-run outputs under the teams' retention policies (app_private.lifecycle_trim_node_outputs).
// Daily from ./crontab, before the archiver; idempotent (a trimmed output is never trimmed again).
import type { Task } from "graphile-worker";
import { loadArchiveConfig } from "../src/archive/index.ts";
import { runTrim } from "../src/lifecycle/index.ts";

interface Payload { team_id?: string; max_rows?: number }

const task: Task = async (payload, helpers) => {
  const p = (payload ?? {}) as Payload;
  const r = await helpers.withPgClient((client) => runTrim(client, { defaultHotDays: loadArchiveConfig().hotDays, maxRows: p.max_rows, teamId: p.team_id }));
  if (r.nodeRuns) helpers.logger.info(`trimmed ${r.nodeRuns} node-run outputs, ${r.bytesFreed} bytes freed`);
};

export default task;
