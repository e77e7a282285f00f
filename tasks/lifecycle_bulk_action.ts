// Runs one bulk action (app_public.start_bulk_action enqueues it with job key lifecycle_bulk_action:<id>):
// batches of the action until it is finished (src/lifecycle/runner.ts). A worker killed mid-run leaves the
// action at its last committed batch; the retried job continues from there.
import type { Task } from "graphile-worker";
import { runBulkAction } from "../src/lifecycle/index.ts";

interface Payload { team_id: string; id: string }

const task: Task = async (payload, helpers) => {
  const p = payload as Payload;
  const a = await helpers.withPgClient((client) => runBulkAction(client, { teamId: p.team_id, id: p.id }));
  helpers.logger.info(`bulk ${a.action} ${a.id}: ${a.status}, ${a.acted} acted, ${a.skipped} skipped of ${a.processed}`);
};

export default task;
