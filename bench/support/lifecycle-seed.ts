// Set-based seed of the lifecycle benchmark's history: the executions, transitions and node runs that
// test/archive/seed.ts seedExecutions writes for one team, for many teams at once. One statement per day writes
// that day's executions of every team and, from its RETURNING rows, their transition chains and node runs, so no
// statement looks for rows it did not write. seedExecutions instead inserts the children of every execution of
// the team that has none (`not exists` over the whole child table: quadratic over ten teams, most of a 15-minute
// 1M seed). The rows are the same as seedExecutions' (aroundNow false, state per row, no input extra, actor null).
import type pg from "pg";

/**
 * perDay executions per team on each of the days 1..days ago (from that day's UTC midnight, 61 s apart), round-robin
 * over each team's workflows (ordered by id, as seedExecutions takes them); every 5th failed, the rest succeeded;
 * each with its four transitions (pending, queued, running, the final state) and nodeRuns node runs. The pool should
 * be a superuser one with session_replication_role = replica (no per-row foreign-key checks or triggers): the
 * caller recounts usage afterwards. The partitions must exist (ensurePastPartitions). Analyses the three tables.
 */
export async function seedRetentionHistory(pool: pg.Pool, opts: { teamIds: string[]; days: number; perDay: number; nodeRuns?: number }): Promise<void> {
  const { rows: wfs } = await pool.query<{ team_id: string; ids: string[] }>(
    "select team_id, array_agg(id order by id) ids from app_public.workflows where team_id = any ($1::uuid[]) group by team_id", [opts.teamIds]);
  const byTeam = new Map(wfs.map((r) => [r.team_id, r.ids]));
  const teams = opts.teamIds.map((t) => {
    const ids = byTeam.get(t);
    if (!ids?.length) throw new Error(`team ${t} has no workflows`);
    return { team_id: t, workflow_ids: ids };
  });
  for (let d = 1; d <= opts.days; d++) {
    await pool.query(`
      with e as (
        insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, input, output, error,
          attempt, version, started_at, finished_at, duration_ms, updated_at)
        select app_private.uuid_v7_at(t.ts), t.ts, tm.team_id, tm.workflow_ids[1 + g % cardinality(tm.workflow_ids)], 1,
               case when g % 5 = 0 then 'failed' else 'succeeded' end, 'webhook',
               jsonb_build_object('order', g, 'customer', jsonb_build_object('email', 'c' || (g % 17) || '@example.com', 'tier', 'gold'),
                 'items', jsonb_build_array(jsonb_build_object('sku', 'SKU-' || (g % 9), 'qty', g % 4 + 1))),
               jsonb_build_object('ok', g % 5 <> 0, 'total', g * 3.25),
               case when g % 5 = 0 then jsonb_build_object('message', 'upstream returned 502', 'node', 'http') end,
               1, 4, t.ts + interval '1.5 seconds', t.ts + interval '2.75 seconds', 1250, t.ts + interval '3 seconds'
          from rows from (jsonb_to_recordset($1::jsonb) as (team_id uuid, workflow_ids uuid[])) with ordinality tm(team_id, workflow_ids, ord)
         cross join generate_series(1, $2::int) g
         cross join lateral (select date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - make_interval(days => $3::int)
                                    + make_interval(secs => g * 61) + (g * 123457) * interval '1 microsecond' as ts) t
         order by tm.ord, g
        returning id, created_at, team_id, state, started_at, finished_at
      ), tr as (
        insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason)
        select e.id, e.created_at, s.seq, e.team_id, s.from_state, coalesce(s.to_state, e.state), e.created_at + s.seq * interval '500 ms',
               null, case when s.seq = 4 then 'finished' end
          from e cross join (values (1, null, 'pending'), (2, 'pending', 'queued'), (3, 'queued', 'running'), (4, 'running', null)) s(seq, from_state, to_state)
      )
      insert into app_public.execution_node_runs (execution_id, execution_created_at, team_id, node_name, attempt, status, started_at, finished_at, output)
      select e.id, e.created_at, e.team_id, n.name, 1, 'succeeded', e.started_at, e.finished_at,
             jsonb_build_object('status', 200, 'items', n.ord * 3, 'headers', jsonb_build_object('content-type', 'application/json'))
        from e cross join (select coalesce((array['Webhook', 'Transform', 'HTTP Request'])[g], 'Step ' || g), g from generate_series(1, $4::int) g) n(name, ord)`,
      [JSON.stringify(teams), opts.perDay, d, opts.nodeRuns ?? 3]);
  }
  // autovacuum would have analysed these long-lived rows; do it so plans are realistic
  await pool.query("analyze app_public.executions, app_public.execution_transitions, app_public.execution_node_runs");
}
