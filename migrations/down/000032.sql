-- Down of migration 000032: the exact reverse, topic by topic, last topic first.

--! split: 500-executions.sql
-- reverse of migrations/current/500-executions.sql
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
             r.duration_sum_ms, r.duration_histogram, r.node_count, r.failed_node_count
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
             coalesce(sum(q.duration_ms), 0)::bigint, app_hidden.duration_histogram(array_agg(q.duration_ms)),
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
             sum(x.node_count)::bigint as node_count, sum(x.failed_node_count)::bigint as failed_node_count
        from rows x group by x.bucket
    ), hist as (
      select h.bucket, array_agg(h.c order by h.i) as histogram
        from (select x.bucket, u.i, sum(u.c)::integer as c
                from rows x, unnest(x.duration_histogram) with ordinality u(c, i)
               group by 1, 2) h
       group by h.bucket
    )
    select g.b, coalesce(s.total, 0), coalesce(s.succeeded, 0), coalesce(s.failed, 0), coalesce(s.cancelled, 0),
           coalesce(s.timed_out, 0), coalesce(s.crashed, 0),
           case when coalesce(s.total, 0) > 0 then s.succeeded::double precision / s.total end,
           case when s.dcount > 0 then s.dsum::double precision / s.dcount end,
           app_hidden.histogram_percentile(h.histogram, 0.5),
           app_hidden.histogram_percentile(h.histogram, 0.95),
           coalesce(s.node_count, 0), coalesce(s.failed_node_count, 0)
      from generate_series(v_start, range_end - interval '1 microsecond', v_step) g(b)
      left join sums s on s.bucket = g.b
      left join hist h on h.bucket = g.b
     order by g.b;
end;
$$;

COMMENT ON FUNCTION app_public.execution_metrics_series(range_start timestamp with time zone, range_end timestamp with time zone, bucket text, workflow_id uuid, team_id uuid) IS 'Time series of finished executions for one workflow or one team between range_start and range_end in minute, hour or day buckets (UTC, at most 1000 points, empty buckets included): counts by outcome, success rate, mean duration and p50/p95 from the rollup histograms (within ~5%). Reads the rollups plus the samples not yet folded (app_hidden.execution_metric_fold_queue), in one snapshot: counts always equal the raw samples.';

alter table app_public.execution_metric_rollups drop column if exists duration_cumulative;
drop function app_hidden.cumulative_percentile(integer[], integer[], bigint, double precision);
drop function app_hidden.cumulative_search(integer[], bigint);
drop function app_hidden.histogram_cumulative(integer[]);
CREATE OR REPLACE FUNCTION app_hidden.duration_bucket_value(bucket integer) RETURNS double precision
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select power(1.1, bucket - 0.5) - 1;
$$;

COMMENT ON FUNCTION app_hidden.duration_bucket_value(bucket integer) IS 'Representative duration (ms) of a histogram bucket: its geometric midpoint (relative error <= 4.9% of d + 1).';
CREATE OR REPLACE FUNCTION app_private.parse_execution_moves(p_items jsonb) RETURNS SETOF app_private.execution_move_request
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $_$
  select a.o::integer,
         case when jsonb_typeof(a.x) = 'object' and (a.x->>'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              then (a.x->>'id')::uuid end,
         case when jsonb_typeof(a.x) = 'object' then a.x->>'to_state' end,
         case when jsonb_typeof(a.x) = 'object' then a.x->>'expected_from' end,
         case when jsonb_typeof(a.x->'details') = 'object' then a.x->'details' end,
         jsonb_typeof(a.x) = 'object' and (a.x->'details' is null or jsonb_typeof(a.x->'details') in ('object', 'null'))
    from jsonb_array_elements(p_items) with ordinality as a(x, o);
$_$;

COMMENT ON FUNCTION app_private.parse_execution_moves(p_items jsonb) IS 'Parses transition items [{id, to_state, expected_from?, details?}] into execution_move_request rows, in input order (ord from 1). Never raises: malformed items come back with well_formed = false or a null id.';

CREATE OR REPLACE FUNCTION app_private.plan_execution_moves(p_requests app_private.execution_move_request[], p_locked app_public.executions[], p_check_role boolean) RETURNS SETOF app_private.execution_move
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  with recursive
  requests as (
    select r.*, (row_number() over (partition by r.execution_id order by r.ord))::integer as step
      from unnest(p_requests) r where r.execution_id is not null
  ),
  access as (
    -- the caller's rights, once per team: null (may move), LFDNY (a member without the editor role), LFNTF
    select t.team_id,
           case when not p_check_role or app_hidden.has_team_role(t.team_id, 'editor') then null
                when app_hidden.has_team_role(t.team_id, 'viewer') then 'LFDNY' else 'LFNTF' end as denied
      from (select distinct x.team_id from unnest(p_locked) x) t
  ),
  walk as (
    -- step 0: each locked execution as it is; step k: its k-th requested move, applied when legal
    select x.id, x.created_at, x.team_id, x.workflow_id, a.denied, 0 as step, null::integer as ord, null::text as error_code,
           null::text as from_state, null::text as to_state, x.state, x.version, x.attempt, null::timestamptz as at,
           x.started_at, x.finished_at, x.duration_ms,
           null::jsonb as output, false as set_output, null::jsonb as error, false as set_error, null::jsonb as details
      from unnest(p_locked) x join access a on a.team_id = x.team_id
    union all
    select w.id, w.created_at, w.team_id, w.workflow_id, w.denied, r.step, r.ord, c.code,
           w.state, r.to_state,
           case when c.code is null then r.to_state else w.state end,
           w.version + (c.code is null)::integer,
           case when c.code is null then t.attempt else w.attempt end,
           c.at,
           case when c.code is null then t.started_at else w.started_at end,
           case when c.code is null then t.finished_at else w.finished_at end,
           case when c.code is null then t.duration_ms else w.duration_ms end,
           case when c.code is null and r.details ? 'output' then r.details->'output' else w.output end,
           w.set_output or (c.code is null and r.details ? 'output'),
           case when c.code is null and r.details ? 'error' then r.details->'error' else w.error end,
           w.set_error or (c.code is null and r.details ? 'error'),
           r.details
      from walk w
      join requests r on r.execution_id = w.id and r.step = w.step + 1
      left join app_public.execution_allowed_transitions a on a.from_state = w.state and a.to_state = r.to_state
     cross join lateral (
       select case
                when not r.well_formed then 'LFVAL'
                when w.denied is not null then w.denied
                when r.to_state is null or not (r.to_state = any (app_hidden.execution_states())) then 'LFVAL'
                when r.expected_from is not null and not (r.expected_from = any (app_hidden.execution_states())) then 'LFVAL'
                when char_length(r.details->>'reason') > 2000 then 'LFVAL'
                when r.expected_from is not null and r.expected_from <> w.state then 'LFSTA'
                when a.to_state is null then 'LFSTA'
              end as code,
              clock_timestamp() as at) c
     cross join lateral app_private.execution_timing_after_move(
       r.to_state, coalesce(a.is_retry, false), c.at, w.attempt, w.started_at, w.finished_at, w.duration_ms) t
  )
  select r.ord, r.execution_id, w.created_at, w.team_id, w.workflow_id, w.step,
         coalesce(w.id is not null and w.error_code is null, false),
         case when w.id is not null then w.error_code
              when r.execution_id is null or not r.well_formed then 'LFVAL' else 'LFNTF' end,
         w.denied, w.from_state, w.to_state, w.state, w.version, w.attempt, w.at, w.started_at, w.finished_at, w.duration_ms,
         w.output, w.set_output, w.error, w.set_error, r.details,
         coalesce(w.step = max(w.step) over (partition by w.id) and bool_or(w.error_code is null) over (partition by w.id), false)
    from unnest(p_requests) r
    left join walk w on w.ord = r.ord and w.step > 0
   order by r.ord;
$$;

COMMENT ON FUNCTION app_private.plan_execution_moves(p_requests app_private.execution_move_request[], p_locked app_public.executions[], p_check_role boolean) IS 'Plans a batch of moves without writing: walks each locked execution through its requested moves in input order (a recursive query, one step per move of the same execution), checking each against the caller''s role, the known states, expected_from and execution_allowed_transitions. A refused move leaves the state as it was for the next one. One execution_move per request, in input order.';
CREATE OR REPLACE FUNCTION app_private.write_execution_moves(p_moves app_private.execution_move[], p_actor uuid) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  v_appends jsonb;
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

  -- 3. the events, one append per execution stream
  select jsonb_agg(jsonb_build_object('stream_id', 'execution-' || s.execution_id, 'stream_type', 'execution',
                                      'expected_version', null, 'team_id', s.team_id, 'events', s.events)
                   order by 'execution-' || s.execution_id)
    into v_appends
    from (select m.execution_id, min(m.team_id::text)::uuid as team_id,
                 jsonb_agg(app_private.execution_state_changed_event(m, p_actor) order by m.version) as events
            from unnest(p_moves) m where m.ok group by m.execution_id) s;
  if v_appends is not null then
    perform app_private.append_execution_events(v_appends);
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

--! split: 400-events.sql
-- reverse of migrations/current/400-events.sql
CREATE OR REPLACE FUNCTION app_private.append_to_streams(appends jsonb) RETURNS TABLE(stream_id text, event_id uuid, stream_version bigint, global_position bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  -- one entry per stream with events, sorted by stream id (the lock order)
  v_sid text[];
  v_type text[];
  v_expected bigint[];
  v_team uuid[];
  v_count integer[];
  v_pos integer[];          -- the stream's position in the input
  v_base bigint[];          -- the stream's version before this append (null: not yet locked and bumped)
  v_stream_team uuid[];     -- the stream's own team
  v_n integer;
  -- one entry per event, in input order
  e_sidx integer[];
  e_ord integer[];
  e_id uuid[];
  e_type text[];
  e_schema integer[];
  e_data jsonb[];
  e_meta jsonb[];
  v_total integer;
  v_with_ids integer;
  v_problem text;
  v_done integer;
  v_version bigint;
  v_archived boolean;
  v_team_of uuid;
begin
  if appends is null or jsonb_typeof(appends) <> 'array' then
    raise exception 'appends must be a JSON array' using errcode = 'LFVAL', detail = 'field: appends';
  end if;

  -- 1. The streams: bad elements and a stream named twice are refused; streams without events are skipped.
  select (array_agg(format('appends[%s].%s', a.pos - 1, p.problem) order by a.pos) filter (where p.problem is not null))[1]
    into v_problem
    from jsonb_array_elements(appends) with ordinality a(s, pos)
    cross join lateral (select app_private.append_input_problem(a.s) as problem) p;
  if v_problem is not null then
    raise exception '% is missing or invalid', v_problem using errcode = 'LFVAL',
      detail = format('field: %s', regexp_replace(v_problem, '^.*\.', '')),
      hint = 'stream_id: text 1..300, stream_type: text 1..100, expected_version: null | 0 | n, team_id: uuid | null, events: array';
  end if;
  select array_agg(a.s->>'stream_id' order by a.s->>'stream_id'),
         array_agg(a.s->>'stream_type' order by a.s->>'stream_id'),
         array_agg((a.s->>'expected_version')::bigint order by a.s->>'stream_id'),
         array_agg((a.s->>'team_id')::uuid order by a.s->>'stream_id'),
         array_agg(jsonb_array_length(a.s->'events') order by a.s->>'stream_id'),
         array_agg(a.pos::integer order by a.s->>'stream_id')
    into v_sid, v_type, v_expected, v_team, v_count, v_pos
    from jsonb_array_elements(appends) with ordinality a(s, pos)
   where jsonb_array_length(a.s->'events') > 0;
  if v_sid is null then
    return;
  end if;
  v_n := cardinality(v_sid);
  if v_n > 1 and (select count(distinct x) from unnest(v_sid) x) < v_n then
    raise exception 'a stream appears more than once in one append' using errcode = 'LFVAL', detail = 'field: stream_id',
      hint = 'Put all of a stream''s events in one element.';
  end if;

  -- 2. The events, in input order (stream by stream as given, then event by event): bad events and an event id
  --    given twice are refused.
  -- (one sort of the events by input position feeds every aggregate, in that order)
  select count(*), count(x.id),
         array_agg(x.sidx), array_agg(x.ord), array_agg(x.id), array_agg(x.e->>'type'),
         array_agg(case when x.problem is null then coalesce((x.e->>'schema_version')::integer, 1) end),
         array_agg(coalesce(x.e->'data', '{}'::jsonb)),
         array_agg(coalesce(nullif(x.e->'metadata', 'null'::jsonb), '{}'::jsonb)),
         (array_agg(format('appends[%s].events[%s].%s', x.pos - 1, x.ord - 1, x.problem)) filter (where x.problem is not null))[1]
    into v_total, v_with_ids, e_sidx, e_ord, e_id, e_type, e_schema, e_data, e_meta, v_problem
    from (select u.sidx::integer as sidx, u.pos, ev.ord::integer as ord, ev.e, p.problem,
                 case when p.problem is null then (ev.e->>'event_id')::uuid end as id
            from unnest(v_pos) with ordinality u(pos, sidx)
            cross join lateral jsonb_array_elements((appends->(u.pos - 1))->'events') with ordinality ev(e, ord)
            cross join lateral (select app_private.event_input_problem(ev.e) as problem) p
           order by u.pos, ev.ord) x;
  if v_problem is not null then
    raise exception '% is missing or invalid', v_problem using errcode = 'LFVAL',
      detail = format('field: %s', regexp_replace(v_problem, '^.*\.', '')),
      hint = 'An event is {event_id?: uuid, type: text 1..200, data?: json, metadata?: object, schema_version?: integer >= 1}.';
  end if;
  if v_with_ids > 1 and (select count(distinct x) from unnest(e_id) x) < v_with_ids then
    raise exception 'an event id appears more than once in one append' using errcode = 'LFVAL', detail = 'field: event_id';
  end if;

  -- 3. Lock the existing streams in stream-id order: concurrent multi-stream appends never deadlock, and an
  --    in-flight append to them (the original of a retry) finishes first.
  if v_n > 1 or v_with_ids > 0 then
    perform 1 from app_public.event_streams s where s.id = any (v_sid) order by s.id for update;
  end if;

  -- 4. A retry (caller ids already stored): the original result, or LFDUP.
  if v_with_ids > 0 and exists (select 1 from app_public.events e where e.event_id = any (e_id)) then
    return query select * from app_private.append_retry_result(v_sid, e_sidx, e_id, e_type, e_data, e_meta);
    return;
  end if;

  -- 5. Bump every existing stream whose expectation holds, in one statement.
  with bumped as (
    update app_public.event_streams s
       set version = s.version + c.n, updated_at = now()
      from unnest(v_sid, v_count, v_expected) with ordinality c(sid, n, expected, i)
     where s.id = c.sid and not s.archived and (c.expected is null or s.version = c.expected)
    returning c.i, s.version - c.n as base, s.team_id
  )
  select (select count(*) from bumped),
         array(select b.base from generate_series(1, v_n) k left join bumped b on b.i = k order by k),
         array(select b.team_id from generate_series(1, v_n) k left join bumped b on b.i = k order by k)
    into v_done, v_base, v_stream_team;

  if v_done < v_n then
    -- 6. New streams (expected any or none): created already bumped, in stream-id order.
    with created as (
      insert into app_public.event_streams as s (id, type, team_id, version)
      select c.sid, c.stype, c.team, c.n
        from unnest(v_sid, v_type, v_team, v_count, v_expected, v_base) c(sid, stype, team, n, expected, base)
       where c.base is null and (c.expected is null or c.expected = 0)
       order by c.sid
      on conflict (id) do nothing
      returning s.id, s.team_id
    )
    select v_done + (select count(*) from created),
           array(select case when cr.id is not null then 0 else v_base[k] end
                   from generate_series(1, v_n) k left join created cr on cr.id = v_sid[k] order by k),
           array(select case when cr.id is not null then cr.team_id else v_stream_team[k] end
                   from generate_series(1, v_n) k left join created cr on cr.id = v_sid[k] order by k)
      into v_done, v_base, v_stream_team;

    -- 7. The careful path, stream by stream: lock it, answer a retry whose original committed meanwhile, or
    --    say why the append is refused, or bump it.
    for i in 1 .. v_n loop
      continue when v_base[i] is not null;
      select s.version, s.archived, s.team_id into v_version, v_archived, v_team_of
        from app_public.event_streams s where s.id = v_sid[i] for update;
      if v_with_ids > 0 and exists (select 1 from app_public.events e where e.event_id = any (e_id)) then
        if v_done > 0 then
          raise exception 'event ids already appended while this append ran (stream %)', v_sid[i]
            using errcode = 'LFDUP', detail = format('stream %s', v_sid[i]);
        end if;
        return query select * from app_private.append_retry_result(v_sid, e_sidx, e_id, e_type, e_data, e_meta);
        return;
      end if;
      if not found then
        raise exception 'stream % does not exist, not at the expected version %', v_sid[i], v_expected[i]
          using errcode = 'LFVER', detail = format('current_version=0 stream_id=%s', v_sid[i]);
      end if;
      if v_archived then
        raise exception 'stream % is archived', v_sid[i] using errcode = 'LFARC', detail = format('stream_id=%s', v_sid[i]);
      end if;
      if v_expected[i] is not null and v_expected[i] <> v_version then
        raise exception 'stream % is at version %, not the expected %', v_sid[i], v_version, v_expected[i]
          using errcode = 'LFVER', detail = format('current_version=%s stream_id=%s', v_version, v_sid[i]);
      end if;
      update app_public.event_streams s set version = v_version + v_count[i], updated_at = now() where s.id = v_sid[i];
      v_base[i] := v_version;
      v_stream_team[i] := v_team_of;
      v_done := v_done + 1;
    end loop;
  end if;

  -- 8. Wake-up (app_private.events_wake_up: the notify gate).
  perform app_private.events_wake_up();

  -- 9. One INSERT of every event, in input order. With caller ids, an id that another append (on other
  --    streams, so no stream lock ordered the two) stored meanwhile is LFDUP, never a raw unique violation.
  if v_with_ids = 0 then
    return query
    insert into app_public.events as ev (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
    select v_sid[x.sidx], v_type[x.sidx], v_base[x.sidx] + x.ord, public.gen_random_uuid(), x.type, x.sv, x.data, x.meta,
           coalesce(v_team[x.sidx], v_stream_team[x.sidx])
      from unnest(e_sidx, e_ord, e_type, e_schema, e_data, e_meta) as x(sidx, ord, type, sv, data, meta)
    returning ev.stream_id, ev.event_id, ev.stream_version, ev.global_position;
  else
    return query
    insert into app_public.events as ev (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
    select v_sid[x.sidx], v_type[x.sidx], v_base[x.sidx] + x.ord, coalesce(x.id, public.gen_random_uuid()), x.type, x.sv, x.data, x.meta,
           coalesce(v_team[x.sidx], v_stream_team[x.sidx])
      from unnest(e_sidx, e_ord, e_id, e_type, e_schema, e_data, e_meta) as x(sidx, ord, id, type, sv, data, meta)
    on conflict on constraint events_event_id_key do nothing
    returning ev.stream_id, ev.event_id, ev.stream_version, ev.global_position;
    get diagnostics v_done = row_count;
    if v_done < v_total then
      raise exception 'event ids already appended by a concurrent append to another stream' using errcode = 'LFDUP',
        detail = 'field: event_id', hint = 'A retry must repeat the original append exactly; new events need new ids.';
    end if;
  end if;
end;
$$;

COMMENT ON FUNCTION app_private.append_to_streams(appends jsonb) IS 'The event store''s append: appends events to one or more streams atomically (all or nothing).
appends: a JSON array of {stream_id, stream_type, expected_version, team_id, events}, where expected_version is
null (any), 0 (the stream must not exist yet) or n (the stream must be at version n), team_id (optional) is the
owning team (default: the stream''s), and events is an array of {event_id?, type, data, metadata?, schema_version?}.
Returns one row per event in input order: stream_id, event_id, stream_version, global_position.
Rules: a stale expectation raises LFVER (DETAIL current_version=N stream_id=S, message names the stream); an
archived stream raises LFARC; bad input raises LFVAL (DETAIL field: F, message names the element); a stream
given twice or an event id given twice is LFVAL; elements with no events are skipped (an all-empty call is a
no-op). A retry with the same event ids returns the original result, also when it arrives while the original
is still in flight (it waits for the original to commit; after a rollback it appends normally); reused ids with
other content, another stream or beside new events raise LFDUP. Streams are locked in stream-id order, so
concurrent multi-stream appends do not deadlock. Sends a wake-up NOTIFY on linkflow_events (only while no
other appending transaction holds the notify gate, advisory lock 41004/0) unless linkflow.events_notify is off.
Called by the domain functions in the same transaction as their state change.';

CREATE OR REPLACE FUNCTION app_private.append_stream_events(stream_id text, stream_type text, expected_version bigint, types text[], datas jsonb[], metadatas jsonb[], team_id uuid DEFAULT NULL::uuid, event_ids uuid[] DEFAULT NULL::uuid[]) RETURNS TABLE(event_id uuid, stream_version bigint, global_position bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_n integer := coalesce(cardinality(types), 0);
  v_base bigint;
  v_team uuid;
begin
  -- 1. The lean path: well-formed events without caller ids, for an existing live stream that meets the
  --    expectation. The UPDATE bumps and locks the stream in one step.
  if v_n > 0 and event_ids is null
     and cardinality(datas) = v_n and cardinality(metadatas) = v_n
     and char_length(stream_id) between 1 and 300 and char_length(stream_type) between 1 and 100
     and (expected_version is null or expected_version > 0)
     and not exists (select 1 from unnest(types, metadatas) x(type, metadata)
                      where x.type is null or char_length(x.type) not between 1 and 200
                         or coalesce(jsonb_typeof(x.metadata), 'null') not in ('null', 'object')) then
    update app_public.event_streams s set version = s.version + v_n, updated_at = now()
     where s.id = append_stream_events.stream_id and not s.archived
       and (append_stream_events.expected_version is null or s.version = append_stream_events.expected_version)
    returning s.version - v_n, s.team_id into v_base, v_team;
    if found then
      perform app_private.events_wake_up();
      return query
      insert into app_public.events as ev (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
      select append_stream_events.stream_id, append_stream_events.stream_type, v_base + x.ord, public.gen_random_uuid(), x.type, 1,
             coalesce(x.data, '{}'::jsonb), coalesce(nullif(x.metadata, 'null'::jsonb), '{}'::jsonb),
             coalesce(append_stream_events.team_id, v_team)
        from unnest(types, datas, metadatas) with ordinality as x(type, data, metadata, ord)
       order by x.ord
      returning ev.event_id, ev.stream_version, ev.global_position;
      return;
    end if;
  end if;

  -- 2. Everything else: the careful path, with the same events as one element of append_to_streams.
  if coalesce(cardinality(datas), 0) <> v_n or coalesce(cardinality(metadatas), 0) <> v_n
     or (event_ids is not null and cardinality(event_ids) <> v_n) then
    raise exception 'types, datas, metadatas (and event_ids when given) must have one element per event'
      using errcode = 'LFVAL', detail = 'field: events';
  end if;
  if types is not null and v_n = 0 then
    return;  -- nothing to append: a no-op, as for an empty JSON array
  end if;
  return query
  select a.event_id, a.stream_version, a.global_position
    from app_private.append_to_streams(jsonb_build_array(jsonb_build_object(
           'stream_id', append_stream_events.stream_id, 'stream_type', append_stream_events.stream_type,
           'expected_version', append_stream_events.expected_version, 'team_id', append_stream_events.team_id,
           'events', (select coalesce(jsonb_agg(jsonb_strip_nulls(jsonb_build_object('event_id', x.id)) ||
                                                jsonb_build_object('type', x.type, 'data', x.data, 'metadata', x.metadata)
                                                order by x.ord), 'null'::jsonb)
                        from unnest(types, datas, metadatas, event_ids) with ordinality as x(type, data, metadata, id, ord))))) a;
end;
$$;

COMMENT ON FUNCTION app_private.append_stream_events(stream_id text, stream_type text, expected_version bigint, types text[], datas jsonb[], metadatas jsonb[], team_id uuid, event_ids uuid[]) IS 'The array form of append_events (owner only): appends events to one stream, given as parallel arrays (types, datas, metadatas, and optionally event_ids), with the rules and errors of app_private.append_to_streams.
expected_version: null = any, 0 = the stream must not exist yet, n = the stream must be at version n.
A well-formed append without event ids to an existing live stream that meets the expectation is one UPDATE of the stream and one INSERT of the events; everything else (a new stream, LFVER, LFARC, retries and LFDUP, LFVAL) goes through append_to_streams. Returns one row per event in order.';
drop function if exists app_private.append_streams_events(text[], text[], uuid[], integer[], text[], jsonb[], jsonb[]);
