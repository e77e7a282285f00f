// Child process of bulk.test.ts: a graphile-worker process that runs the lifecycle_bulk_action job (the real
// task's code path: runBulkAction), slowed by CHILD_STEP_DELAY_MS after each committed batch so the parent can
// SIGKILL it mid-run. Prints "step <processed>" after each batch.
import { run } from "graphile-worker";
import { runBulkAction } from "../../src/lifecycle/index.ts";

const delay = Number(process.env.CHILD_STEP_DELAY_MS ?? "50");
const runner = await run({
  connectionString: process.env.CHILD_DATABASE_URL!,
  concurrency: 1,
  noHandleSignals: true,
  pollInterval: 100,
  taskList: {
    lifecycle_bulk_action: async (payload, helpers) => {
      const p = payload as { team_id: string; id: string };
      await helpers.withPgClient((client) => runBulkAction(client, { teamId: p.team_id, id: p.id }, {
        onStep: async (a) => { console.log(`step ${a.processed}`); await new Promise((r) => setTimeout(r, delay)); },
      }));
      console.log("done");
    },
  },
});
await runner.promise;
