-- Down of migration 000034: the exact reverse, topic by topic, last topic first.

--! split: 500-executions.sql
-- reverse of 500-executions.sql
CREATE OR REPLACE FUNCTION app_private.execution_state_changed_event(m app_private.execution_move, p_actor uuid) RETURNS jsonb
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$
  select jsonb_build_object(
    'type', 'ExecutionStateChanged',
    'data', jsonb_build_object(
      'execution_id', m.execution_id, 'workflow_id', m.workflow_id, 'team_id', m.team_id, 'from_state', m.from_state,
      'to_state', m.to_state, 'seq', m.version, 'at', m.at, 'attempt', m.attempt, 'started_at', m.started_at,
      'finished_at', m.finished_at, 'duration_ms', m.duration_ms),
    'metadata', jsonb_build_object('actor', p_actor) || jsonb_strip_nulls(jsonb_build_object(
      'correlation_id', m.details->'correlation_id', 'causation_id', m.details->'causation_id', 'trace_id', m.details->'trace_id')));
$$;

COMMENT ON FUNCTION app_private.execution_state_changed_event(m app_private.execution_move, p_actor uuid) IS 'The ExecutionStateChanged event of an accepted move ({type, data, metadata} as append_events takes it): data per the contract in docs/executions.md, metadata {actor, correlation_id?, causation_id?, trace_id?} from the move''s details.';

revoke all on function app_private.execution_state_changed_event(app_private.execution_move, uuid) from public;

CREATE OR REPLACE FUNCTION app_private.move_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean, OUT result app_public.execution_transition_result, OUT execution app_public.executions) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  t timestamptz := app_hidden.uuid_v7_time(p_id);
  e app_public.executions;
  m app_private.execution_move;
  v_denied text;
  v_retry boolean;
  v_code text;
  v_timing app_private.execution_timing;
  v_details jsonb := case when jsonb_typeof(p_details) = 'object' then p_details end;
  v_event jsonb;
begin
  result.ord := 1; result.execution_id := p_id; result.ok := false;
  if p_id is not null and p_check_role then
    -- access first (no lock): who may not move it learns nothing more and locks nothing
    select x.* into e from app_public.executions x
     where x.id = p_id and x.created_at between t - interval '1 hour' and t + interval '1 hour';
    if not found then
      select x.* into e from app_public.executions x where x.id = p_id limit 1;
    end if;
    if e.id is not null then
      v_denied := case when app_hidden.has_team_role(e.team_id, 'editor') then null
                       when app_hidden.has_team_role(e.team_id, 'viewer') then 'LFDNY' else 'LFNTF' end;
    end if;
  end if;
  if p_id is not null and v_denied is null then
    select x.* into e from app_public.executions x
     where x.id = p_id and x.created_at between t - interval '1 hour' and t + interval '1 hour'
       for update;
    if not found then
      select x.* into e from app_public.executions x where x.id = p_id limit 1 for update;
    end if;
  end if;
  if e.id is not null and v_denied is null then
    select a.is_retry into v_retry from app_public.execution_allowed_transitions a
     where a.from_state = e.state and a.to_state = p_to_state;
  end if;
  v_code := case
    when p_id is null or (p_details is not null and jsonb_typeof(p_details) not in ('object', 'null')) then 'LFVAL'
    when e.id is null or v_denied = 'LFNTF' then 'LFNTF'
    when v_denied is not null then v_denied
    when p_to_state is null or not (p_to_state = any (app_hidden.execution_states())) then 'LFVAL'
    when p_expected_from is not null and not (p_expected_from = any (app_hidden.execution_states())) then 'LFVAL'
    when char_length(v_details->>'reason') > 2000 then 'LFVAL'
    when p_expected_from is not null and p_expected_from <> e.state then 'LFSTA'
    when v_retry is null then 'LFSTA'
  end;
  if v_code is not null then
    result.error_code := v_code;
    if v_code <> 'LFNTF' then
      result.current_state := e.state; result.attempt := e.attempt;
      result.execution_created_at := case when v_denied is null then e.created_at end;
    end if;
    return;
  end if;

  m.execution_id := e.id; m.team_id := e.team_id; m.workflow_id := e.workflow_id; m.details := v_details;
  m.from_state := e.state; m.to_state := p_to_state; m.version := e.version + 1; m.at := clock_timestamp();
  v_timing := app_private.execution_timing_after_move(p_to_state, v_retry, m.at, e.attempt, e.started_at, e.finished_at, e.duration_ms);
  m.attempt := v_timing.attempt; m.started_at := v_timing.started_at; m.finished_at := v_timing.finished_at; m.duration_ms := v_timing.duration_ms;

  update app_public.executions x set
    state = p_to_state, attempt = m.attempt, version = m.version, started_at = m.started_at,
    finished_at = m.finished_at, duration_ms = m.duration_ms,
    output = case when v_details ? 'output' then v_details->'output' else x.output end,
    error = case when v_details ? 'error' then v_details->'error' else x.error end,
    updated_at = now()
   where x.id = e.id and x.created_at = e.created_at
  returning x.* into execution;
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason, details)
    values (e.id, e.created_at, m.version, e.team_id, m.from_state, p_to_state, m.at, p_actor, v_details->>'reason',
            v_details - 'output' - 'error' - 'reason');
  v_event := app_private.execution_state_changed_event(m, p_actor);
  perform 1 from app_private.append_stream_events('execution-' || e.id, 'execution', null,
    array[v_event->>'type'], array[v_event->'data'], array[v_event->'metadata'], e.team_id);
  if p_to_state = any (app_hidden.execution_terminal_states()) then
    insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
      select e.id, m.at, e.team_id, e.workflow_id, p_to_state, m.duration_ms, count(*)::integer,
             (count(*) filter (where nr.status = 'failed'))::integer
        from app_public.execution_node_runs nr
       where nr.execution_id = e.id and nr.execution_created_at = e.created_at;
  end if;
  result.ok := true; result.execution_created_at := e.created_at; result.current_state := p_to_state;
  result.seq := m.version; result.attempt := m.attempt;
end;
$$;

COMMENT ON FUNCTION app_private.move_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean, OUT result app_public.execution_transition_result, OUT execution app_public.executions) IS 'The lean single move (owner only): one execution, parameters only (every lookup pruned to one partition at executor start), the same checks and writes as a batch of one: access check before the row lock, legality, then one UPDATE (heap-only), one transition INSERT, one append_events, and a metric sample when finishing. Never raises for a refused move: result carries ok or error_code (LFVAL, LFNTF, LFDNY, LFSTA) and current_state; execution is the moved row.';

CREATE OR REPLACE FUNCTION app_private.write_execution_moves(p_moves app_private.execution_move[], p_actor uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_streams text[];
  v_stream_teams uuid[];
  v_event_streams integer[];
  v_types text[];
  v_datas jsonb[];
  v_metadatas jsonb[];
begin
  -- 1. the execution rows: one update per execution, with its final values
  update app_public.executions e set
    state = m.state, attempt = m.attempt, version = m.version, started_at = m.started_at, finished_at = m.finished_at,
    duration_ms = m.duration_ms,
    output = case when m.set_output then m.output else e.output end,
    error = case when m.set_error then m.error else e.error end,
    updated_at = now()
    from unnest(p_moves) m
   where m.final and e.id = m.execution_id and e.created_at = m.execution_created_at;

  -- 2. the history (the chain trigger re-checks every move)
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason, details)
    select m.execution_id, m.execution_created_at, m.version, m.team_id, m.from_state, m.to_state, m.at, p_actor,
           m.details->>'reason', m.details - 'output' - 'error' - 'reason'
      from unnest(p_moves) m where m.ok
     order by m.execution_id, m.version;

  -- 3. the events: one ExecutionStateChanged per move, streams in stream-id order, each stream's events by seq,
  --    through the multi-stream array form of the append
  select array_agg(s.id order by s.id), array_agg(s.team_id order by s.id) into v_streams, v_stream_teams
    from (select 'execution-' || m.execution_id as id, min(m.team_id::text)::uuid as team_id
            from unnest(p_moves) m where m.ok group by 1) s;
  if v_streams is not null then
    select array_agg(s.k order by s.k, m.version), array_agg(x.e->>'type' order by s.k, m.version),
           array_agg(x.e->'data' order by s.k, m.version), array_agg(x.e->'metadata' order by s.k, m.version)
      into v_event_streams, v_types, v_datas, v_metadatas
      from unnest(p_moves) m
      join unnest(v_streams) with ordinality s(id, k) on s.id = 'execution-' || m.execution_id
     cross join lateral (select app_private.execution_state_changed_event(m, p_actor) as e) x
     where m.ok;
    perform 1 from app_private.append_streams_events(
      v_streams, array_fill('execution'::text, array[cardinality(v_streams)]), v_stream_teams,
      v_event_streams, v_types, v_datas, v_metadatas);
  end if;

  -- 4. one metric sample per finished attempt
  insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
    select m.execution_id, m.at, m.team_id, m.workflow_id, m.to_state, m.duration_ms, coalesce(n.total, 0), coalesce(n.failed, 0)
      from unnest(p_moves) m
      left join lateral (
        select count(*)::integer as total, (count(*) filter (where nr.status = 'failed'))::integer as failed
          from app_public.execution_node_runs nr
         where nr.execution_id = m.execution_id and nr.execution_created_at = m.execution_created_at) n on true
     where m.ok and m.to_state = any (app_hidden.execution_terminal_states());
end;
$$;

COMMENT ON FUNCTION app_private.write_execution_moves(p_moves app_private.execution_move[], p_actor uuid) IS 'Writes a planned batch set-based: one UPDATE of executions (final values per execution), one INSERT of transitions, the ExecutionStateChanged events through append_execution_events, and one INSERT of metric samples for finished attempts. Refused moves write nothing.';

drop function if exists app_private.execution_state_changed_data(app_private.execution_move);
drop function if exists app_private.execution_state_changed_metadata(app_private.execution_move, uuid);

CREATE OR REPLACE FUNCTION app_public.execution_metrics_series(range_start timestamp with time zone, range_end timestamp with time zone, bucket text DEFAULT 'hour'::text, workflow_id uuid DEFAULT NULL::uuid, team_id uuid DEFAULT NULL::uuid) RETURNS SETOF app_public.execution_metric_point
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    SET "TimeZone" TO 'UTC'
    AS $$
declare
  v_start timestamptz;
  v_step interval;
  v_points bigint;
begin
  if (workflow_id is null) = (team_id is null) then
    raise exception 'give exactly one of workflow_id and team_id' using errcode = 'LFVAL', detail = 'field: workflow_id';
  end if;
  if bucket is null or bucket not in ('minute', 'hour', 'day') then
    raise exception 'bucket must be minute, hour or day' using errcode = 'LFVAL', detail = 'field: bucket';
  end if;
  if range_start is null or range_end is null or range_end <= range_start then
    raise exception 'range_end must be after range_start' using errcode = 'LFVAL', detail = 'field: range_end';
  end if;
  v_start := date_trunc(bucket, range_start);
  v_step := ('1 ' || bucket)::interval;
  v_points := ceil(extract(epoch from (range_end - v_start)) / extract(epoch from v_step));
  if v_points > 1000 then
    raise exception 'at most 1000 points per series (asked %)', v_points using errcode = 'LFLIM',
      detail = format('limit=1000 size=%s', v_points);
  end if;
  return query
    with rows as (
      select r.bucket, r.total, r.succeeded, r.failed, r.cancelled, r.timed_out, r.crashed, r.duration_count,
             r.duration_sum_ms, r.duration_cumulative as cumulative, r.node_count, r.failed_node_count
        from app_public.execution_metric_rollups r
       where r.granularity = execution_metrics_series.bucket
         and r.bucket >= v_start and r.bucket < range_end
         and (r.workflow_id = execution_metrics_series.workflow_id or r.team_id = execution_metrics_series.team_id)
      union all
      -- the tail the fold has not reached yet (same snapshot: each sample counted exactly once)
      select date_trunc(execution_metrics_series.bucket, q.recorded_at), count(*)::integer,
             (count(*) filter (where q.state = 'succeeded'))::integer, (count(*) filter (where q.state = 'failed'))::integer,
             (count(*) filter (where q.state = 'cancelled'))::integer, (count(*) filter (where q.state = 'timed_out'))::integer,
             (count(*) filter (where q.state = 'crashed'))::integer, count(q.duration_ms)::integer,
             coalesce(sum(q.duration_ms), 0)::bigint, app_hidden.histogram_cumulative(app_hidden.duration_histogram(array_agg(q.duration_ms))),
             sum(q.node_count)::bigint, sum(q.failed_node_count)::bigint
        from app_hidden.execution_metric_fold_queue q
       where (q.workflow_id = execution_metrics_series.workflow_id or q.team_id = execution_metrics_series.team_id)
         and q.recorded_at >= v_start and q.recorded_at < range_end
         and exists (select 1 from app_public.workflows w where w.id = q.workflow_id)
       group by 1
    ), sums as (
      select x.bucket, sum(x.total)::integer as total, sum(x.succeeded)::integer as succeeded, sum(x.failed)::integer as failed,
             sum(x.cancelled)::integer as cancelled, sum(x.timed_out)::integer as timed_out, sum(x.crashed)::integer as crashed,
             sum(x.duration_count) as dcount, sum(x.duration_sum_ms) as dsum,
             sum(x.node_count)::bigint as node_count, sum(x.failed_node_count)::bigint as failed_node_count,
             -- the bucket's cumulative histogram: one source row's as it is (the usual case), several as a k x 200
             -- array built below only for those buckets (merged on read)
             count(*) as sources, min(x.cumulative) as one_cumulative, sum(x.cumulative[200]) as histogram_total
        from rows x group by x.bucket
    ), merged as (
      select x.bucket, array_agg(x.cumulative) as cumulatives
        from rows x
       where x.bucket in (select m.bucket from sums m where m.sources > 1)
       group by x.bucket
    )
    select g.b, coalesce(s.total, 0), coalesce(s.succeeded, 0), coalesce(s.failed, 0), coalesce(s.cancelled, 0),
           coalesce(s.timed_out, 0), coalesce(s.crashed, 0),
           case when coalesce(s.total, 0) > 0 then s.succeeded::double precision / s.total end,
           case when s.dcount > 0 then s.dsum::double precision / s.dcount end,
           app_hidden.cumulative_percentile(s.one_cumulative, mg.cumulatives, s.histogram_total, 0.5),
           app_hidden.cumulative_percentile(s.one_cumulative, mg.cumulatives, s.histogram_total, 0.95),
           coalesce(s.node_count, 0), coalesce(s.failed_node_count, 0)
      from generate_series(v_start, range_end - interval '1 microsecond', v_step) g(b)
      left join sums s on s.bucket = g.b
      left join merged mg on mg.bucket = g.b
     order by g.b;
end;
$$;

COMMENT ON FUNCTION app_public.execution_metrics_series(range_start timestamp with time zone, range_end timestamp with time zone, bucket text, workflow_id uuid, team_id uuid) IS 'Time series of finished executions for one workflow or one team between range_start and range_end in minute, hour or day buckets (UTC, at most 1000 points, empty buckets included): counts by outcome, success rate, mean duration and p50/p95 from the rollup histograms (within ~5%). Reads the rollups plus the samples not yet folded (app_hidden.execution_metric_fold_queue), in one snapshot: counts always equal the raw samples.';

drop function if exists app_hidden.execution_metric_tail(text, timestamptz, timestamptz, uuid, uuid);
alter table app_public.execution_metric_rollups drop column if exists duration_p50_bucket, drop column if exists duration_p95_bucket;
drop function if exists app_hidden.cumulative_search(integer[], bigint, integer, integer);
drop function if exists app_hidden.histogram_rank_bucket(integer[], double precision);

--! split: 200-users.sql
-- reverse of 200-users.sql: the SQL bodies of the access checks, team_role_rank pinned again
alter function app_hidden.team_role_rank(text) set search_path to 'pg_catalog';

CREATE OR REPLACE FUNCTION app_hidden.current_user_team_ids(min_role text DEFAULT 'viewer'::text) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select m.team_id
    from app_public.team_memberships m
    join app_public.teams t on t.id = m.team_id and t.deleted_at is null
    join app_public.users u on u.id = m.user_id and u.deleted_at is null
   where m.user_id = app_public.current_user_id()
     and app_hidden.team_role_rank(m.role) >= app_hidden.team_role_rank(min_role);
$$;

COMMENT ON FUNCTION app_hidden.current_user_team_ids(min_role text) IS 'Ids of the live teams the current (live) user belongs to with at least the given role. Used by RLS policies.';

CREATE OR REPLACE FUNCTION app_hidden.has_team_role(team_id uuid, min_role text DEFAULT 'viewer'::text) RETURNS boolean
    LANGUAGE sql STABLE SECURITY DEFINER PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select exists (
    select 1 from app_public.team_memberships m
      join app_public.teams t on t.id = m.team_id and t.deleted_at is null
      join app_public.users u on u.id = m.user_id and u.deleted_at is null
     where m.team_id = has_team_role.team_id
       and m.user_id = app_public.current_user_id()
       and app_hidden.team_role_rank(m.role) >= app_hidden.team_role_rank(min_role));
$$;

COMMENT ON FUNCTION app_hidden.has_team_role(team_id uuid, min_role text) IS 'True when the current (live) user is a member of the live team with at least the given role.';
