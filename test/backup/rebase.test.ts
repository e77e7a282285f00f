// After a logical restore into a new cluster, events carry the old cluster's xid8 values, usually far ahead of
// the new cluster's: readers filtering on transaction_id < snapshot xmin would not see them, and new events would
// sort before them. app_private.rebase_event_transaction_ids() fixes both and re-bases projection checkpoints.
import { describe, expect, it } from "vitest";
import { useTestDatabase } from "../harness/db.ts";
import { seed } from "./seed.ts";

const db = useTestDatabase();
const FUTURE = 50_000_000_000n; // an xid8 from a cluster ~11 epochs ahead

const READ = `select e.global_position::int as pos from app_public.events e
  where e.transaction_id < pg_snapshot_xmin(pg_current_snapshot()) and (e.transaction_id, e.global_position) > ($1::xid8, $2::bigint)
  order by e.transaction_id, e.global_position`;

describe("event store xid re-basing after a restore into a new cluster", () => {
  it("is a no-op when the events' xids are behind this cluster (same-history restores)", async () => {
    await seed(db.pool, 2);
    const { rows } = await db.pool.query("select * from app_private.rebase_event_transaction_ids()");
    expect(rows).toEqual([]);
  });

  it("makes restored events visible and ordered before new ones, and re-bases checkpoints without skipping", async () => {
    await db.pool.query("truncate app_private.event_xid_rebases");
    const { rows: [{ team }] } = await db.pool.query("select id as team from app_public.teams limit 1");
    // Simulate restored history: 6 events written by the old cluster in transactions committed out of position order.
    await db.pool.query("insert into app_public.event_streams (id, type, team_id) values ('restored-1', 'test', $1)", [team]);
    await db.pool.query("update app_public.event_streams set version = 6 where id = 'restored-1'");
    const xids = [FUTURE + 10n, FUTURE + 12n, FUTURE + 11n, FUTURE + 13n, FUTURE + 15n, FUTURE + 14n];
    const { rows: ins } = await db.pool.query(`
      insert into app_public.events (transaction_id, stream_id, stream_type, stream_version, event_id, type, team_id)
      select x::text::xid8, 'restored-1', 'test', n, public.gen_random_uuid(), 'Restored', $2
        from unnest($1::text[]) with ordinality as u(x, n) returning global_position::int as pos, transaction_id::text as xid`,
      [xids.map(String), team]);
    const pos = ins.map((r) => r.pos);
    // Invisible to readers before the re-base.
    expect((await db.pool.query(READ, ["0", 0])).rows.map((r) => r.pos)).not.toContain(pos[0]);
    // Two projections' checkpoints: one processed (in xid order) up to the 3rd restored transaction (FUTURE+12 =
    // positions pos[0], pos[2], pos[1]), one fully caught up.
    await db.pool.query("create table public.test_checkpoints (name text primary key, transaction_id xid8 not null, global_position bigint not null)");
    await db.pool.query("insert into public.test_checkpoints values ('partial', $1::text::xid8, $2), ('done', $3::text::xid8, $4)",
      [String(FUTURE + 12n), pos[1], String(FUTURE + 15n), pos[4]]);

    const { rows } = await db.pool.query("select item, rows_changed::int as n from app_private.rebase_event_transaction_ids(array['public.test_checkpoints'::regclass])");
    const { rows: [{ total }] } = await db.pool.query("select count(*)::int as total from app_public.events");
    expect(rows).toEqual([{ item: "public.test_checkpoints", n: 2 }, { item: "app_public.events", n: total }]);

    // Every event is now visible, in position order.
    const all = (await db.pool.query(READ, ["0", 0])).rows.map((r) => r.pos);
    expect(all).toEqual([...all].sort((a, b) => a - b));
    expect(all).toEqual(expect.arrayContaining(pos));
    // 'partial' processed pos[0..2] (xid order 10,11,12): it resumes right after them; 'done' after the last one.
    const cps = Object.fromEntries((await db.pool.query("select name, transaction_id::text as x, global_position::int as p from public.test_checkpoints")).rows.map((r) => [r.name, r]));
    expect(cps.partial).toEqual({ name: "partial", x: "0", p: pos[2] });
    expect(cps.done).toEqual({ name: "done", x: "0", p: pos[5] });
    expect((await db.pool.query(READ, ["0", cps.partial.p])).rows.map((r) => r.pos)).toEqual(pos.slice(3));

    // A new append gets a real xid and sorts after every restored event; the 'done' projection sees exactly it.
    const { rows: [n] } = await db.pool.query(
      "select global_position::int as pos from app_private.append_events('restored-1', 'test', null, '[{\"type\":\"New\"}]'::jsonb)");
    // (Its visibility waits for the cluster's xmin to pass it, as for any event: the order is what matters here.)
    const AFTER = "select global_position::int as pos from app_public.events where (transaction_id, global_position) > ($1::xid8, $2::bigint) order by transaction_id, global_position";
    expect((await db.pool.query(AFTER, ["0", cps.done.p])).rows.map((r) => r.pos)).toEqual([n.pos]);
    // The immutability triggers are back on.
    await expect(db.pool.query("update app_public.events set type = 'x' where global_position = $1", [n.pos])).rejects.toMatchObject({ code: "LFIMM" });
    const { rows: audit } = await db.pool.query("select events_rewritten::int, previous_max_transaction_id::text as prev from app_private.event_xid_rebases");
    expect(audit).toEqual([{ events_rewritten: total, prev: String(FUTURE + 15n) }]);
    await db.pool.query("drop table public.test_checkpoints");
  });
});
