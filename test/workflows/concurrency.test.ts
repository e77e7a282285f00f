import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { useTestDatabase } from "../harness/db.ts";
import { WorkflowRepository } from "../../src/workflows/repository.ts";
import { VersionConflictError } from "../../src/errors.ts";
import { chain, teamWithRoles, type TeamSetup } from "./helpers.ts";

const db = useTestDatabase();
let repo: WorkflowRepository;
let t: TeamSetup;
let pool: pg.Pool;
const N = 8;

beforeAll(async () => {
  // a pool large enough for N truly parallel connections
  pool = new pg.Pool({ connectionString: db.ownerUrl, max: N });
  pool.on("error", () => {});
  repo = new WorkflowRepository(pool);
  t = await teamWithRoles(db.pool);
});
afterAll(async () => { await pool?.end(); });

describe("workflows concurrent saves", () => {
  it(`${N} parallel saves with the same expected version: exactly one wins, the others get VersionConflictError`, async () => {
    const wf = await repo.as({ userId: t.editor }).createWithVersion(t.teamId, chain(20));
    const results = await Promise.allSettled(Array.from({ length: N }, (_, i) =>
      repo.as({ userId: t.editor }).save(wf.id, 1, chain(20, { seed: i + 1 }), `writer ${i}`)));
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(N - 1);
    for (const l of lost) {
      expect(l.reason).toBeInstanceOf(VersionConflictError);
      expect((l.reason as VersionConflictError).currentVersion).toBe(2);
    }
    const { rows } = await db.pool.query(`select array_agg(version order by version) as versions,
      (select count(*)::int from app_public.events where stream_id = 'workflow-' || $1::text and type = 'WorkflowSaved') as saved_events,
      (select current_version from app_public.workflows where id = $1::uuid) as cv
      from app_public.workflow_versions where workflow_id = $1::uuid`, [wf.id]);
    expect(rows[0]).toEqual({ versions: [1, 2], saved_events: 1, cv: 2 });
    // the winner's graph is the live one
    const winner = (won[0] as PromiseFulfilledResult<{ currentVersion: number }>).value;
    expect(winner.currentVersion).toBe(2);
    const v2 = await repo.as({ userId: t.viewer }).getVersion(wf.id, 2);
    const g = await repo.as({ userId: t.viewer }).getWithNodes(wf.id);
    expect(g.nodes.map(({ id: _id, ...n }) => n)).toEqual(v2.data.nodes);
  });

  it(`${N} parallel writers that retry on conflict: every save lands, versions contiguous, none lost`, async () => {
    const wf = await repo.as({ userId: t.editor }).createWithVersion(t.teamId, chain(10));
    let conflicts = 0;
    await Promise.all(Array.from({ length: N }, async (_, i) => {
      let expected = 1;
      for (;;) {
        try {
          await repo.as({ userId: t.editor }).save(wf.id, expected, chain(10, { seed: 100 + i }), `writer ${i}`);
          return;
        } catch (e) {
          if (!(e instanceof VersionConflictError)) throw e;
          conflicts++;
          expected = e.currentVersion!;
        }
      }
    }));
    expect(conflicts).toBeGreaterThan(0);
    const { rows } = await db.pool.query(
      "select version, message, data->'nodes'->0->'parameters'->>'seed' as seed from app_public.workflow_versions where workflow_id = $1 order by version", [wf.id]);
    expect(rows.map((r) => r.version)).toEqual(Array.from({ length: N + 1 }, (_, i) => i + 1));
    expect(rows.slice(1).map((r) => r.message).sort()).toEqual(Array.from({ length: N }, (_, i) => `writer ${i}`).sort());
    for (const r of rows.slice(1)) expect(r.message).toBe(`writer ${Number(r.seed) - 100}`);
    const ev = await db.pool.query("select array_agg((data->>'version')::int order by stream_version) as v from app_public.events where stream_id = $1", [`workflow-${wf.id}`]);
    expect(ev.rows[0].v).toEqual(Array.from({ length: N + 1 }, (_, i) => i + 1));
  });
});
