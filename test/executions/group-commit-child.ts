// Child process of group-commit.test.ts: 64 callers toggle 16 running executions between running and waiting
// through the service path (group commit on) until SIGTERM; then it stops gracefully (repository close(), pool
// end) and prints one JSON report of every call it took and how each was answered.
import { createPool } from "../../src/db/pool.ts";
import { IllegalTransitionError, LinkFlowError } from "../../src/errors.ts";
import { ExecutionsRepository } from "../../src/executions/index.ts";

const pool = createPool(process.env.CHILD_DATABASE_URL!, {
  max: 10, idleTimeoutMs: 10_000, connectionTimeoutMs: 10_000, statementTimeoutMs: 60_000, applicationName: "gc-child",
}, "gc-child");
const ids = process.env.CHILD_IDS!.split(",");
const repo = new ExecutionsRepository(pool);
const byId: Record<string, { ok: number; refused: number; notApplied: number; other: string[] }> = {};
for (const id of ids) byId[id] = { ok: 0, refused: 0, notApplied: 0, other: [] };
let taken = 0;
let answered = 0;
let stopping = false;

const progress = setInterval(() => console.log(`calls=${answered}`), 100);
const loops = Array.from({ length: 64 }, async (_, k) => {
  const id = ids[k % ids.length]!;
  for (let i = 0; !stopping; i++) {
    taken++;
    try {
      await repo.transition(id, (i + k) % 2 === 0 ? "waiting" : "running");
      byId[id]!.ok++;
    } catch (e) {
      if (e instanceof IllegalTransitionError) byId[id]!.refused++;
      else if (e instanceof LinkFlowError && e.code === "UNAVAILABLE" && e.detail === "outcome=not_applied") byId[id]!.notApplied++;
      else byId[id]!.other.push(String((e as Error).message));
    } finally {
      answered++;
    }
  }
});

process.on("SIGTERM", async () => {
  stopping = true;
  await repo.close();
  await Promise.all(loops);
  clearInterval(progress);
  await pool.end();
  console.log(JSON.stringify({ taken, answered, lost: taken - answered, byId }));
  process.exit(0);
});
