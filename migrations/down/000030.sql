-- Down of migration 000030: the exact reverse, topic by topic, last topic first.

--! split: 850-lifecycle.sql
-- reverse of migrations/current/850-lifecycle.sql
CREATE OR REPLACE FUNCTION app_private.execution_bytes(r app_public.executions) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select (24 + coalesce(pg_column_size(r.id), 0) + coalesce(pg_column_size(r.created_at), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.workflow_id), 0) + coalesce(pg_column_size(r.workflow_version), 0) + coalesce(pg_column_size(r.state), 0) + coalesce(pg_column_size(r.trigger_type), 0) + coalesce(pg_column_size(r.trigger_id), 0) + coalesce(pg_column_size(r.input), 0) + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.error), 0) + coalesce(pg_column_size(r.attempt), 0) + coalesce(pg_column_size(r.idempotency_key), 0) + coalesce(pg_column_size(r.version), 0) + coalesce(pg_column_size(r.started_at), 0) + coalesce(pg_column_size(r.finished_at), 0) + coalesce(pg_column_size(r.duration_ms), 0) + coalesce(pg_column_size(r.updated_at), 0))::bigint;
$$;

COMMENT ON FUNCTION app_private.execution_bytes(r app_public.executions) IS 'The bytes a row of executions counts for in usage and retention plans: a 24-byte row header plus pg_column_size of every column value. Column by column because pg_column_size of a whole row depends on how the row reached the expression (a transition table, a scan, a join) by a few header bytes.';

CREATE OR REPLACE FUNCTION app_private.execution_transition_bytes(r app_public.execution_transitions) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select (24 + coalesce(pg_column_size(r.execution_id), 0) + coalesce(pg_column_size(r.execution_created_at), 0) + coalesce(pg_column_size(r.seq), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.from_state), 0) + coalesce(pg_column_size(r.to_state), 0) + coalesce(pg_column_size(r.at), 0) + coalesce(pg_column_size(r.actor_id), 0) + coalesce(pg_column_size(r.reason), 0) + coalesce(pg_column_size(r.details), 0))::bigint;
$$;

COMMENT ON FUNCTION app_private.execution_transition_bytes(r app_public.execution_transitions) IS 'The bytes a row of execution_transitions counts for in usage and retention plans: a 24-byte row header plus pg_column_size of every column value. Column by column because pg_column_size of a whole row depends on how the row reached the expression (a transition table, a scan, a join) by a few header bytes.';

CREATE OR REPLACE FUNCTION app_private.execution_node_run_bytes(r app_public.execution_node_runs) RETURNS bigint
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS $$
  select (24 + coalesce(pg_column_size(r.execution_id), 0) + coalesce(pg_column_size(r.execution_created_at), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.node_name), 0) + coalesce(pg_column_size(r.node_id), 0) + coalesce(pg_column_size(r.attempt), 0) + coalesce(pg_column_size(r.status), 0) + coalesce(pg_column_size(r.started_at), 0) + coalesce(pg_column_size(r.finished_at), 0) + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.error), 0))::bigint;
$$;

COMMENT ON FUNCTION app_private.execution_node_run_bytes(r app_public.execution_node_runs) IS 'The bytes a row of execution_node_runs counts for in usage and retention plans: a 24-byte row header plus pg_column_size of every column value. Column by column because pg_column_size of a whole row depends on how the row reached the expression (a transition table, a scan, a join) by a few header bytes.';

--! split: 500-executions.sql
-- reverse of migrations/current/500-executions.sql
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
  perform app_private.append_events('execution-' || e.id, 'execution', null,
    jsonb_build_array(app_private.execution_state_changed_event(m, p_actor)), e.team_id);
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

CREATE OR REPLACE FUNCTION app_private.tg_execution_transitions__chain() RETURNS trigger
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  bad record;
  one record;
  v_rows integer;
  v_prev text;
  v_bad boolean := false;
begin
  select count(*) into v_rows from new_transitions;
  if v_rows = 1 then
    -- one row (the single-transition path): parameterized lookups, pruned to one partition at executor start
    select n.execution_id, n.execution_created_at, n.seq, n.from_state, n.to_state into one from new_transitions n;
    if (one.seq = 1) <> (one.from_state is null)
       or (one.from_state is not null and not exists (
             select 1 from app_public.execution_allowed_transitions a where a.from_state = one.from_state and a.to_state = one.to_state)) then
      v_bad := true;
    elsif one.seq > 1 then
      select p.to_state into v_prev from app_public.execution_transitions p
       where p.execution_id = one.execution_id and p.execution_created_at = one.execution_created_at and p.seq = one.seq - 1;
      if found and v_prev is distinct from one.from_state then
        v_bad := true;
      end if;
    end if;
    if v_bad then
      raise exception 'transition % of execution % (% -> %) is not allowed or breaks the chain',
        one.seq, one.execution_id, coalesce(one.from_state, 'none'), one.to_state
        using errcode = 'LFSTA', detail = format('current_state=%s', coalesce(one.from_state, 'none'));
    end if;
    return null;
  end if;
  select n.execution_id, n.seq, n.from_state, n.to_state into bad
    from new_transitions n
   where (n.seq = 1) <> (n.from_state is null)
      or (n.from_state is not null and not exists (
            select 1 from app_public.execution_allowed_transitions a
             where a.from_state = n.from_state and a.to_state = n.to_state))
      or exists (
            select 1 from app_public.execution_transitions p
             where p.execution_id = n.execution_id and p.execution_created_at = n.execution_created_at
               and p.seq = n.seq - 1 and p.to_state is distinct from n.from_state)
   limit 1;
  if found then
    raise exception 'transition % of execution % (% -> %) is not allowed or breaks the chain',
      bad.seq, bad.execution_id, coalesce(bad.from_state, 'none'), bad.to_state
      using errcode = 'LFSTA', detail = format('current_state=%s', coalesce(bad.from_state, 'none'));
  end if;
  return null;
end;
$$;

COMMENT ON FUNCTION app_private.tg_execution_transitions__chain() IS 'Statement trigger: every recorded move must be in execution_allowed_transitions, seq 1 (and only seq 1) has no from_state, and each from_state equals the previous seq''s to_state: the history is a chain.';

do $$
declare
  c record;
begin
  for c in select * from (values
      ('app_public.executions', 'executions_state_known', 'state'),
      ('app_public.execution_transitions', 'execution_transitions_from_known', 'from_state'),
      ('app_public.execution_transitions', 'execution_transitions_to_known', 'to_state'),
      ('app_public.execution_metric_samples', 'execution_metric_samples_state_known', 'state'),
      ('app_public.execution_allowed_transitions', 'execution_allowed_transitions_from_known', 'from_state'),
      ('app_public.execution_allowed_transitions', 'execution_allowed_transitions_to_known', 'to_state')) v(tbl, name, col)
  loop
    execute format('alter table %s drop constraint %I, add constraint %I check (%I = any (app_hidden.execution_states()))',
                   c.tbl, c.name, c.name, c.col);
  end loop;
  drop trigger _200_terminal_immutable on app_public.executions;
  create trigger _200_terminal_immutable before update on app_public.executions for each row
    when (old.state = any (app_hidden.execution_terminal_states())) execute function app_private.tg_executions__terminal_immutable();
end;
$$;

alter table app_public.execution_transitions add constraint execution_transitions_team_id_fkey
  foreign key (team_id) references app_public.teams (id) on delete cascade;
alter table app_public.execution_node_runs add constraint execution_node_runs_team_id_fkey
  foreign key (team_id) references app_public.teams (id) on delete cascade;

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

  -- 8. Wake-up: NOTIFY serialises the commits of notifying transactions cluster-wide (a global lock held through
  --    the commit's WAL flush), which cut single-append throughput about 5x when every writer notified. So only
  --    the transaction holding a transaction-scoped try-lock notifies; the others commit in parallel and are
  --    picked up by that wake-up or the next one (or the manager's polling fallback).
  if coalesce(current_setting('linkflow.events_notify', true), '') <> 'off'
     and pg_try_advisory_xact_lock(41004, 0) then
    perform pg_notify('linkflow_events', '');
  end if;

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

CREATE OR REPLACE FUNCTION app_private.append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid DEFAULT NULL::uuid) RETURNS TABLE(event_id uuid, stream_version bigint, global_position bigint)
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  select a.event_id, a.stream_version, a.global_position
    from app_private.append_to_streams(jsonb_build_array(jsonb_build_object(
           'stream_id', append_events.stream_id, 'stream_type', append_events.stream_type,
           'expected_version', append_events.expected_version, 'team_id', append_events.team_id,
           'events', coalesce(append_events.events, 'null'::jsonb)))) a;
$$;

COMMENT ON FUNCTION app_private.append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid) IS 'Appends events (a JSON array of {event_id?, type, data, metadata, schema_version?}) to one stream: the
single-stream form of app_private.append_to_streams, with the same rules and errors.
expected_version: null = any, 0 = the stream must not exist yet, n = the stream must be at version n.
A stale expectation raises LFVER naming the current version and writes nothing; re-appending the same event
ids returns the original result (also while the original is in flight); ids reused with other content or
elsewhere raise LFDUP; an empty array is a no-op; an archived stream raises LFARC; bad input raises LFVAL.
Sends a wake-up NOTIFY on linkflow_events (only while no other appending transaction holds the notify gate, advisory lock 41004/0) unless the setting linkflow.events_notify is off.
Called by the domain functions in the same transaction as their state change.';

drop function if exists app_private.append_stream_events(text, text, bigint, text[], jsonb[], jsonb[], uuid, uuid[]);
drop function if exists app_private.events_wake_up();

--! split: 300-workflows.sql
-- reverse of migrations/current/300-workflows.sql
CREATE OR REPLACE FUNCTION app_private.workflow_event_metadata() RETURNS jsonb
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select pg_catalog.jsonb_build_object('actor', app_public.current_user_id())
      || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'correlation_id', nullif(pg_catalog.current_setting('linkflow.correlation_id', true), ''),
           'causation_id', nullif(pg_catalog.current_setting('linkflow.causation_id', true), ''),
           'trace_id', nullif(pg_catalog.current_setting('linkflow.trace_id', true), '')));
$$;

COMMENT ON FUNCTION app_private.workflow_event_metadata() IS 'Event metadata for workflow events: the acting user, and correlation/causation/trace ids from the linkflow.* settings of the transaction when set.';

CREATE OR REPLACE FUNCTION app_private.workflow_append_event(w app_public.workflows, type text, data jsonb) RETURNS void
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  select null::void from app_private.append_events('workflow-' || w.id::text, 'workflow', null,
    pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('type', type, 'data', data, 'metadata', app_private.workflow_event_metadata())),
    w.team_id);
$$;

COMMENT ON FUNCTION app_private.workflow_append_event(w app_public.workflows, type text, data jsonb) IS 'Appends one event to the workflow''s stream (workflow-<id>) in the current transaction.';

--! split: 100-foundation.sql
-- reverse of migrations/current/100-foundation.sql
CREATE OR REPLACE FUNCTION app_public.uuid_generate_v7() RETURNS uuid
    LANGUAGE sql PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  -- 48-bit unix ms timestamp, version 7, variant 10, random rest
  select encode(
    set_bit(set_bit(set_bit(set_bit(set_bit(set_bit(
      overlay(public.gen_random_bytes(16)
        placing substring(int8send((extract(epoch from clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      55, 0), 54, 1), 53, 1), 52, 1), 71, 1), 70, 0), 'hex')::uuid;
$$;

COMMENT ON FUNCTION app_public.uuid_generate_v7() IS '@resultFieldName uuid
A time-ordered UUID (RFC 9562 version 7): good locality in b-tree indexes; the first 48 bits are the unix time in milliseconds.';

CREATE OR REPLACE FUNCTION app_public.current_user_id() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    SET search_path TO 'pg_catalog'
    AS $$
  select nullif(pg_catalog.current_setting('jwt.claims.user_id', true), '')::uuid;
$$;

COMMENT ON FUNCTION app_public.current_user_id() IS 'The id of the user the request is made for (the verified JWT''s user_id claim), or null for an anonymous request.';
