// Seeds old, terminal executions with transitions and node runs directly (as the owner), like the executions
// capability would have written them. Timestamps carry microseconds so round trips are checked exactly.
import type pg from "pg";
import { makeTeam, makeWorkflow } from "../harness/fixtures.ts";

export interface Seeded { teamId: string; workflowIds: string[]; count: number }

/** Creates the daily partitions for the last `days` days (the harness only keeps recent ones). */
export async function ensurePastPartitions(pool: pg.Pool, days: number): Promise<void> {
  await pool.query("select count(*) from app_private.ensure_partitions_between(((now() at time zone 'UTC')::date - $1::int), (now() at time zone 'UTC')::date)", [days]);
}

/** perDay executions on each of the given days ago, round-robin over workflows; every 5th failed. */
export async function seedExecutions(pool: pg.Pool, opts: {
  teamId?: string; workflows?: number; daysAgo: number[]; perDay: number; actorId?: string | null; state?: string;
  /** merged into every execution's input (executions are immutable once terminal: set it at insert) */
  inputExtra?: Record<string, unknown>;
  /** node runs per execution (default 3: Webhook, Transform, HTTP Request; more add "Step 4", "Step 5", ...) */
  nodeRuns?: number;
  /** place day d's executions 61 s apart centred on exactly d days before now (default: from that day's UTC midnight) */
  aroundNow?: boolean;
}): Promise<Seeded> {
  const teamId = opts.teamId ?? (await makeTeam(pool)).id;
  const existing = (await pool.query("select id from app_public.workflows where team_id = $1 order by id", [teamId])).rows.map((r) => r.id as string);
  const workflowIds = existing.length ? existing : [];
  while (workflowIds.length < (opts.workflows ?? 2)) workflowIds.push((await makeWorkflow(pool, teamId)).id);
  await ensurePastPartitions(pool, Math.max(...opts.daysAgo) + 1);
  for (const d of opts.daysAgo) {
    await pool.query(`
      insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, input, output, error,
        attempt, version, started_at, finished_at, duration_ms, updated_at)
      select app_private.uuid_v7_at(t.ts), t.ts, $1, ($2::uuid[])[1 + g % array_length($2::uuid[], 1)], 1,
             coalesce($5, case when g % 5 = 0 then 'failed' else 'succeeded' end), 'webhook',
             jsonb_build_object('order', g, 'customer', jsonb_build_object('email', 'c' || (g % 17) || '@example.com', 'tier', 'gold'),
               'items', jsonb_build_array(jsonb_build_object('sku', 'SKU-' || (g % 9), 'qty', g % 4 + 1))) || coalesce($6::jsonb, '{}'),
             jsonb_build_object('ok', g % 5 <> 0, 'total', g * 3.25),
             case when g % 5 = 0 then jsonb_build_object('message', 'upstream returned 502', 'node', 'http') end,
             1, 4, t.ts + interval '1.5 seconds', t.ts + interval '2.75 seconds', 1250, t.ts + interval '3 seconds'
        from generate_series(1, $3::int) g,
             lateral (select case when $7 then now() - make_interval(days => $4::int) + make_interval(secs => (g - $3::int / 2) * 61)
                                  else date_trunc('day', now() at time zone 'UTC') at time zone 'UTC' - make_interval(days => $4::int)
                                       + make_interval(secs => g * 61) end
                             + (g * 123457) * interval '1 microsecond' as ts) t`,
      [teamId, workflowIds, opts.perDay, d, opts.state ?? null, opts.inputExtra ? JSON.stringify(opts.inputExtra) : null, opts.aroundNow ?? false]);
  }
  await pool.query(`
    insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason)
    select e.id, e.created_at, s.seq, e.team_id, s.from_state, coalesce(s.to_state, e.state), e.created_at + s.seq * interval '500 ms',
           case when s.seq = 1 then $2::uuid end, case when s.seq = 4 then 'finished' end
      from app_public.executions e
     cross join (values (1, null, 'pending'), (2, 'pending', 'queued'), (3, 'queued', 'running'), (4, 'running', null)) s(seq, from_state, to_state)
     where e.team_id = $1 and not exists (select 1 from app_public.execution_transitions x where x.execution_id = e.id)
       -- a legal chain up to the execution's state: the last move only for terminal executions
       and (s.seq < 4 or e.state in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'))`,
    [teamId, opts.actorId ?? null]);
  await pool.query(`
    insert into app_public.execution_node_runs (execution_id, execution_created_at, team_id, node_name, attempt, status, started_at, finished_at, output)
    select e.id, e.created_at, e.team_id, n.name, 1, 'succeeded', e.started_at, e.finished_at,
           jsonb_build_object('status', 200, 'items', n.ord * 3, 'headers', jsonb_build_object('content-type', 'application/json'))
      from app_public.executions e
     cross join (select coalesce((array['Webhook', 'Transform', 'HTTP Request'])[g], 'Step ' || g), g from generate_series(1, $2::int) g) n(name, ord)
     where e.team_id = $1 and not exists (select 1 from app_public.execution_node_runs x where x.execution_id = e.id)`, [teamId, opts.nodeRuns ?? 3]);
  // autovacuum would have analysed these long-lived rows; do it so plans are realistic
  await pool.query("analyze app_public.executions, app_public.execution_transitions, app_public.execution_node_runs");
  const { rows: [c] } = await pool.query("select count(*)::int as n from app_public.executions where team_id = $1", [teamId]);
  return { teamId, workflowIds, count: c.n };
}
