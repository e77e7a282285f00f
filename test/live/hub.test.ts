// The live hub as Node services use it (async iterators), and its bounds: a slow consumer overflows alone with a
// cursor to resume from, and the resume gives exactly the rest.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExecutionsRepository } from "../../src/executions/index.ts";
import { LiveHub, OverflowError, type LiveEvent } from "../../src/live/index.ts";
import { READ_SQL } from "../../src/live/reader.ts";
import { useTestDatabase } from "../harness/db.ts";
import { makeTeam, makeUser, makeWorkflow } from "../harness/fixtures.ts";

const db = useTestDatabase();
const T = 180_000;

describe("live hub: async iterators for Node services", () => {
  let hub: LiveHub;
  let repo: ExecutionsRepository;
  let team: { id: string }; let workflow: { id: string };

  beforeAll(async () => {
    const u = await makeUser(db.pool);
    team = await makeTeam(db.pool, [{ userId: u.id, role: "editor" }]);
    workflow = await makeWorkflow(db.pool, team.id, { status: "active" });
    repo = new ExecutionsRepository(db.pool);
    hub = new LiveHub({ pool: db.pool, connectionString: db.ownerUrl, pollMs: 20, bufferSize: 5 });
    await hub.start();
  }, 60_000);
  afterAll(async () => { await hub?.stop(); });

  const startMany = async (n: number) => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) ids.push((await repo.start({ workflowId: workflow.id })).id);
    return ids;
  };

  it("subscribe(teamId) yields the team's events in the global order", async () => {
    const it1 = await hub.subscribe({ kind: "executions", teamId: team.id });
    const ids = await startMany(3);
    const got: LiveEvent[] = [];
    for await (const e of it1) {
      got.push(e);
      if (got.filter((g) => ids.includes((g.data as any).execution_id)).length === 3) break;
    }
    const mine = got.filter((g) => ids.includes((g.data as any).execution_id));
    expect(mine.map((e) => (e.data as any).execution_id)).toEqual(ids);
    expect(hub.subscriberCount).toBe(0); // break ended it
  }, T);

  it("a slow consumer overflows alone with a resume cursor; the resume yields exactly the rest", async () => {
    const slow = await hub.subscribe({ kind: "executions", teamId: team.id });
    const fast = await hub.subscribe({ kind: "executions", teamId: team.id });
    const fastGot: LiveEvent[] = [];
    const fastDone = (async () => { for await (const e of fast) { fastGot.push(e); if (fastGot.length >= 20) break; } })();
    const firstP = slow.next(); // the slow one takes one event, then stops reading
    const ids: string[] = [];
    for (let round = 0; round < 4; round++) { // four read batches of five
      ids.push(...await startMany(5));
      while (fastGot.length < ids.length) await new Promise((r) => setTimeout(r, 10));
    }
    const first = await firstP;
    await fastDone;
    expect(fastGot.map((e) => (e.data as any).execution_id)).toEqual(ids);
    // The slow one ended with an overflow naming the last event it actually received.
    const err = await slow.next().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(OverflowError);
    const cursor = (err as OverflowError).cursor;
    expect(cursor).toBe((first.value as LiveEvent).cursor);
    const resumed = await hub.subscribe({ kind: "executions", teamId: team.id, after: cursor });
    const rest: LiveEvent[] = [];
    for await (const e of resumed) { rest.push(e); if (rest.length >= 19) break; }
    expect(rest.map((e) => (e.data as any).execution_id)).toEqual(ids.slice(1));
  }, T);

  it("refuses a non-member and a bad cursor with typed errors", async () => {
    const stranger = await makeUser(db.pool);
    await expect(hub.subscribe({ kind: "activity", teamId: team.id, userId: stranger.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(hub.subscribe({ kind: "activity", teamId: team.id, after: "bogus" })).rejects.toMatchObject({ code: "VALIDATION" });
    await expect(hub.subscribe({ kind: "activity", teamId: "not-a-uuid" })).rejects.toMatchObject({ code: "VALIDATION" });
  }, T);

  it("the reader's prepared statement answers exactly what app_private.read_all_events answers", async () => {
    await startMany(3);
    const cols = "global_position::text, transaction_id::text, stream_id, stream_type, stream_version::text, event_id, type, data, metadata, team_id, created_at";
    const c = await db.pool.connect();
    try {
      await c.query("begin isolation level repeatable read"); // one snapshot for both reads
      for (const [tx, pos, n] of [["0", "0", 1000], ["0", "0", 2], ["0", "2", 1]] as const) {
        const { rows: viaFunction } = await c.query(`select ${cols} from app_private.read_all_events($1::xid8, $2::bigint, $3::integer)`, [tx, pos, n]);
        const { rows: viaStatement } = await c.query(READ_SQL, [tx, pos, n]);
        expect(viaFunction.length).toBeGreaterThan(0);
        expect(viaStatement).toEqual(viaFunction);
      }
    } finally {
      await c.query("rollback");
      c.release();
    }
  }, T);
});
