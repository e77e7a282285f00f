import { beforeAll, describe, expect, it } from "vitest";
import { ConflictError, IllegalTransitionError, LinkFlowError } from "../../src/errors.ts";
import { useTestDatabase } from "../harness/db.ts";
import { executionsIn, makeWorld, type World } from "./setup.ts";

const db = useTestDatabase();
let w: World;
beforeAll(async () => { w = await makeWorld(db.pool); });

describe("executions: node runs", () => {
  it("records node starts and finishes with attempts, output and error", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    const started = await w.service.nodeRunStart(id!, "HTTP Request");
    expect(started).toMatchObject({ nodeName: "HTTP Request", attempt: 1, status: "running" });
    const failed = await w.service.nodeRunFinish(id!, "HTTP Request", "failed", { error: { message: "502" } });
    expect(failed).toMatchObject({ status: "failed", error: { message: "502" } });
    const retry = await w.service.nodeRunStart(id!, "HTTP Request");
    expect(retry.attempt).toBe(2);
    const ok = await w.service.nodeRunFinish(id!, "HTTP Request", "succeeded", { output: { items: [1, 2, 3] } });
    expect(ok).toMatchObject({ attempt: 2, status: "succeeded", output: { items: [1, 2, 3] } });
    expect(ok.finishedAt!.getTime()).toBeGreaterThanOrEqual(ok.startedAt!.getTime());
    await expect(w.service.nodeRunFinish(id!, "HTTP Request", "succeeded")).rejects.toBeInstanceOf(IllegalTransitionError);
    await expect(w.service.nodeRunStart(id!, "HTTP Request", { attempt: 2 })).rejects.toBeInstanceOf(ConflictError);
    // node counts land in the metric sample when the execution finishes
    await w.service.transition(id!, "succeeded");
    const { rows } = await db.pool.query("select node_count, failed_node_count from app_public.execution_metric_samples where execution_id = $1", [id]);
    expect(rows[0]).toEqual({ node_count: 2, failed_node_count: 1 });
  });

  it("refuses outputs over the configured size limit (LFLIM) and writes nothing", async () => {
    const [id] = await executionsIn(w.service, w.workflow.id, ["running"]);
    await db.pool.query("update app_private.execution_settings set node_output_max_bytes = 100");
    try {
      await w.service.nodeRunStart(id!, "Big");
      const err = await w.service.nodeRunFinish(id!, "Big", "succeeded", { output: { blob: "x".repeat(200) } }).catch((e: unknown) => e);
      expect((err as LinkFlowError).code).toBe("LIMIT_EXCEEDED");
      expect((err as LinkFlowError).detail).toMatch(/limit=100 size=\d+/);
      const { rows } = await db.pool.query("select status, output from app_public.execution_node_runs where execution_id = $1", [id]);
      expect(rows).toEqual([{ status: "running", output: null }]);
      const small = await w.service.nodeRunFinish(id!, "Big", "succeeded", { output: { ok: 1 } });
      expect(small.status).toBe("succeeded");
    } finally {
      await db.pool.query("update app_private.execution_settings set node_output_max_bytes = default");
    }
  });

  it("refuses node runs on executions that are not running or waiting", async () => {
    const [queued, done] = await executionsIn(w.service, w.workflow.id, ["queued", "succeeded"]);
    for (const id of [queued!, done!]) {
      await expect(w.service.nodeRunStart(id, "A")).rejects.toBeInstanceOf(IllegalTransitionError);
    }
    expect(((await w.service.nodeRunStart(queued!, "").catch((e: unknown) => e)) as LinkFlowError).code).toBe("VALIDATION");
  });
});
