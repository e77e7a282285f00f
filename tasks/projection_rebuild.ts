// Rebuilds one read-model projection blue/green (payload {"projection": "workflow_list"}) while appends and
// the live runner continue. Enqueue with graphile_worker.add_job('projection_rebuild', ..., job_key =>
// 'projection_rebuild:<name>'). A second concurrent rebuild of the same projection fails with a conflict.
import type { Task } from "graphile-worker";
import { readModelProjections, rebuildProjection } from "../src/events/index.ts";

interface Payload { projection?: string }

const task: Task = async (payload, helpers) => {
  const name = (payload as Payload | null)?.projection;
  const projection = readModelProjections().find((p) => p.name === name);
  if (!projection) throw new Error(`unknown projection ${JSON.stringify(name)}`);
  const result = await helpers.withPgClient((client) => rebuildProjection({ client, projection }));
  helpers.logger.info(`rebuilt ${result.projection}: ${result.events} events in ${result.seconds}s`);
};

export default task;
