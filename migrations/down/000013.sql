-- Function bodies restored here come from the schema before migration 13: node scripts/restore-body.ts --before 13 --rewrite migrations/down/000013.sql
-- Reverse of migration 000013 (engine): restores the 000007 engine, indexes, constraints and partition defaults.
CREATE OR REPLACE FUNCTION app_private.apply_execution_transitions(p_items jsonb, p_actor uuid DEFAULT NULL::uuid, p_check_role boolean DEFAULT false) RETURNS SETOF app_public.execution_transition_result
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $_$
declare
  v_allowed jsonb;
  v_terminal constant text[] := array['succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'];
  v_states constant text[] := array['pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'];
  r record;
  f record;
  v_first boolean := true;
  v_key text;
  v_at timestamptz;
  v_code text;
  v_reason text;
  v_last_team uuid;
  v_last_denied text;
  v_streams text[];
  v_counts bigint[];
  v_bumped integer;
  v_cur refcursor;
  v_one uuid;
  v_one_t timestamptz;
  -- the execution being processed (items are visited grouped by execution, in input order within one)
  c_id uuid; c_created timestamptz; c_team uuid; c_workflow uuid; c_state text; c_attempt integer; c_version integer;
  c_started timestamptz; c_finished timestamptz; c_duration bigint; c_output jsonb; c_error jsonb;
  c_set_output boolean; c_set_error boolean; c_found boolean; c_changed boolean; c_denied text;
  -- execution row updates
  u_id uuid[] := '{}'; u_created timestamptz[] := '{}'; u_state text[] := '{}'; u_attempt integer[] := '{}';
  u_version integer[] := '{}'; u_started timestamptz[] := '{}'; u_finished timestamptz[] := '{}'; u_duration bigint[] := '{}';
  u_output jsonb[] := '{}'; u_set_output boolean[] := '{}'; u_error jsonb[] := '{}'; u_set_error boolean[] := '{}';
  -- transition rows and their events
  t_id uuid[] := '{}'; t_created timestamptz[] := '{}'; t_seq integer[] := '{}'; t_team uuid[] := '{}';
  t_from text[] := '{}'; t_to text[] := '{}'; t_at timestamptz[] := '{}'; t_reason text[] := '{}'; t_details jsonb[] := '{}';
  t_data jsonb[] := '{}'; t_meta jsonb[] := '{}';
  -- metric samples
  s_id uuid[] := '{}'; s_created timestamptz[] := '{}'; s_at timestamptz[] := '{}'; s_team uuid[] := '{}';
  s_workflow uuid[] := '{}'; s_state text[] := '{}'; s_duration bigint[] := '{}';
  -- results
  o_ord integer[] := '{}'; o_id uuid[] := '{}'; o_created timestamptz[] := '{}'; o_ok boolean[] := '{}'; o_code text[] := '{}'; o_state text[] := '{}';
  o_seq integer[] := '{}'; o_attempt integer[] := '{}';
begin
  if p_items is null or jsonb_typeof(p_items) <> 'array' then
    raise exception 'items must be a JSON array' using errcode = 'LFVAL', detail = 'field: items';
  end if;
  if jsonb_array_length(p_items) > 10000 then
    raise exception 'at most 10000 transitions per call' using errcode = 'LFLIM', detail = format('limit=10000 size=%s', jsonb_array_length(p_items));
  end if;
  select jsonb_object_agg(a.from_state || '>' || a.to_state, a.is_retry) into v_allowed
    from app_public.execution_allowed_transitions a;

  if jsonb_array_length(p_items) = 1 then
    v_one := case when jsonb_typeof(p_items->0) = 'object'
                   and (p_items->0->>'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                  then (p_items->0->>'id')::uuid end;
    v_one_t := app_hidden.uuid_v7_time(v_one);
    open v_cur for
    with items as materialized (
      select a.o::integer as ord,
             case when jsonb_typeof(a.x) = 'object' and (a.x->>'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                  then (a.x->>'id')::uuid end as id,
             case when jsonb_typeof(a.x) = 'object' then a.x->>'to_state' end as to_state,
             case when jsonb_typeof(a.x) = 'object' then a.x->>'expected_from' end as expected_from,
             case when jsonb_typeof(a.x->'details') = 'object' then a.x->'details' end as details,
             (jsonb_typeof(a.x) = 'object' and (a.x->'details' is null or jsonb_typeof(a.x->'details') in ('object', 'null'))) as well_formed
        from jsonb_array_elements(p_items) with ordinality as a(x, o)
    ), locked as materialized (
      -- one item (the single-transition path): parameters, so the lookup is pruned at executor start
      select x.id, x.created_at, x.team_id, x.workflow_id, x.state, x.attempt, x.version, x.started_at, x.finished_at, x.duration_ms
        from app_public.executions x
       where x.id = v_one and x.created_at between v_one_t - interval '1 hour' and v_one_t + interval '1 hour'
         for update
    )
    select i.ord, i.id, i.to_state, i.expected_from, i.details, i.well_formed,
           l.created_at as l_created, l.team_id as l_team, l.workflow_id as l_workflow, l.state as l_state, l.attempt as l_attempt,
           l.version as l_version, l.started_at as l_started, l.finished_at as l_finished, l.duration_ms as l_duration
      from items i left join locked l on l.id = i.id
     order by i.id nulls first, i.ord;
  else
    open v_cur for
    with items as materialized (
      select a.o::integer as ord,
             case when jsonb_typeof(a.x) = 'object' and (a.x->>'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                  then (a.x->>'id')::uuid end as id,
             case when jsonb_typeof(a.x) = 'object' then a.x->>'to_state' end as to_state,
             case when jsonb_typeof(a.x) = 'object' then a.x->>'expected_from' end as expected_from,
             case when jsonb_typeof(a.x->'details') = 'object' then a.x->'details' end as details,
             (jsonb_typeof(a.x) = 'object' and (a.x->'details' is null or jsonb_typeof(a.x->'details') in ('object', 'null'))) as well_formed
        from jsonb_array_elements(p_items) with ordinality as a(x, o)
    ), ids as materialized (
      select distinct i.id from items i where i.id is not null order by i.id
    ), locked as materialized (
      -- Lock every target row in id order (concurrent batches never deadlock on each other), each lookup
      -- pruned to the partitions around the id's UUIDv7 time.
      select e.id, e.created_at, e.team_id, e.workflow_id, e.state, e.attempt, e.version, e.started_at, e.finished_at, e.duration_ms
        from ids
       cross join lateral (
         select x.id, x.created_at, x.team_id, x.workflow_id, x.state, x.attempt, x.version, x.started_at, x.finished_at, x.duration_ms
           from app_public.executions x
          where x.id = ids.id
            and x.created_at between app_hidden.uuid_v7_time(ids.id) - interval '1 hour' and app_hidden.uuid_v7_time(ids.id) + interval '1 hour'
            for update) e
    )
    select i.ord, i.id, i.to_state, i.expected_from, i.details, i.well_formed,
           l.created_at as l_created, l.team_id as l_team, l.workflow_id as l_workflow, l.state as l_state, l.attempt as l_attempt,
           l.version as l_version, l.started_at as l_started, l.finished_at as l_finished, l.duration_ms as l_duration
      from items i left join locked l on l.id = i.id
     order by i.id nulls first, i.ord;
  end if;
  loop
    fetch v_cur into r;
    exit when not found;
    if r.id is null then
      o_ord := o_ord || r.ord; o_id := o_id || null::uuid; o_created := o_created || null::timestamptz; o_ok := o_ok || false; o_code := o_code || 'LFVAL'::text;
      o_state := o_state || null::text; o_seq := o_seq || null::integer; o_attempt := o_attempt || null::integer;
      continue;
    end if;

    if v_first or r.id is distinct from c_id then
      -- flush the previous execution
      if not v_first and c_changed then
        u_id := u_id || c_id; u_created := u_created || c_created; u_state := u_state || c_state; u_attempt := u_attempt || c_attempt;
        u_version := u_version || c_version; u_started := u_started || c_started; u_finished := u_finished || c_finished;
        u_duration := u_duration || c_duration; u_output := u_output || c_output; u_set_output := u_set_output || c_set_output;
        u_error := u_error || c_error; u_set_error := u_set_error || c_set_error;
      end if;
      v_first := false;
      -- load the next one
      c_id := r.id; c_changed := false; c_set_output := false; c_set_error := false; c_output := null; c_error := null;
      c_denied := null;
      if r.l_created is not null then
        c_found := true; c_created := r.l_created; c_team := r.l_team; c_workflow := r.l_workflow; c_state := r.l_state;
        c_attempt := r.l_attempt; c_version := r.l_version; c_started := r.l_started; c_finished := r.l_finished; c_duration := r.l_duration;
      else
        -- not near its id's time (imported rows): search every partition
        select x.created_at, x.team_id, x.workflow_id, x.state, x.attempt, x.version, x.started_at, x.finished_at, x.duration_ms
          into f from app_public.executions x where x.id = r.id for update;
        c_found := found;
        if c_found then
          c_created := f.created_at; c_team := f.team_id; c_workflow := f.workflow_id; c_state := f.state;
          c_attempt := f.attempt; c_version := f.version; c_started := f.started_at; c_finished := f.finished_at; c_duration := f.duration_ms;
        end if;
      end if;
      if c_found and p_check_role then
        if c_team is distinct from v_last_team then
          v_last_team := c_team;
          v_last_denied := case when app_hidden.has_team_role(c_team, 'editor') then null
                                when app_hidden.has_team_role(c_team, 'viewer') then 'LFDNY' else 'LFNTF' end;
        end if;
        c_denied := v_last_denied;
      end if;
    end if;

    v_reason := r.details->>'reason';
    v_code := case
      when not r.well_formed then 'LFVAL'
      when not c_found or c_denied = 'LFNTF' then 'LFNTF'
      when c_denied is not null then c_denied
      when r.to_state is null or not (r.to_state = any (v_states)) then 'LFVAL'
      when r.expected_from is not null and not (r.expected_from = any (v_states)) then 'LFVAL'
      when v_reason is not null and char_length(v_reason) > 2000 then 'LFVAL'
      when r.expected_from is not null and r.expected_from <> c_state then 'LFSTA'
      when not (v_allowed ? (c_state || '>' || r.to_state)) then 'LFSTA'
    end;
    if v_code is not null then
      o_ord := o_ord || r.ord; o_id := o_id || r.id; o_ok := o_ok || false;
      o_created := o_created || (case when c_found and c_denied is null then c_created end); o_code := o_code || v_code;
      o_state := o_state || (case when v_code in ('LFNTF') then null else c_state end);
      o_seq := o_seq || null::integer; o_attempt := o_attempt || (case when v_code in ('LFNTF') then null else c_attempt end);
      continue;
    end if;

    -- apply the move in memory
    v_key := c_state || '>' || r.to_state;
    v_at := clock_timestamp();
    if (v_allowed->>v_key)::boolean then
      c_attempt := c_attempt + 1; c_started := null; c_finished := null; c_duration := null;
    end if;
    if r.to_state = 'running' and c_started is null then
      c_started := v_at;
    end if;
    if r.to_state = any (v_terminal) then
      c_finished := v_at;
      c_duration := case when c_started is null then null
                         else greatest(0, floor(extract(epoch from (v_at - c_started)) * 1000))::bigint end;
    end if;
    if r.details ? 'output' then c_output := r.details->'output'; c_set_output := true; end if;
    if r.details ? 'error' then c_error := r.details->'error'; c_set_error := true; end if;
    c_version := c_version + 1;

    t_id := t_id || c_id; t_created := t_created || c_created; t_seq := t_seq || c_version; t_team := t_team || c_team;
    t_from := t_from || c_state; t_to := t_to || r.to_state; t_at := t_at || v_at; t_reason := t_reason || v_reason;
    t_details := t_details || (case when r.details is null then null else r.details - 'output' - 'error' - 'reason' end);
    t_data := t_data || jsonb_build_object(
      'execution_id', c_id, 'workflow_id', c_workflow, 'team_id', c_team, 'from_state', c_state, 'to_state', r.to_state,
      'seq', c_version, 'at', v_at, 'attempt', c_attempt, 'started_at', c_started, 'finished_at', c_finished,
      'duration_ms', c_duration);
    t_meta := t_meta || (jsonb_build_object('actor', p_actor) || jsonb_strip_nulls(jsonb_build_object(
      'correlation_id', r.details->'correlation_id', 'causation_id', r.details->'causation_id', 'trace_id', r.details->'trace_id')));
    if r.to_state = any (v_terminal) then
      s_id := s_id || c_id; s_created := s_created || c_created; s_at := s_at || v_at; s_team := s_team || c_team;
      s_workflow := s_workflow || c_workflow; s_state := s_state || r.to_state; s_duration := s_duration || c_duration;
    end if;
    c_state := r.to_state;
    c_changed := true;
    o_ord := o_ord || r.ord; o_id := o_id || r.id; o_ok := o_ok || true; o_created := o_created || c_created; o_code := o_code || null::text;
    o_state := o_state || c_state; o_seq := o_seq || c_version; o_attempt := o_attempt || c_attempt;
  end loop;
  close v_cur;
  if not v_first and c_changed then
    u_id := u_id || c_id; u_created := u_created || c_created; u_state := u_state || c_state; u_attempt := u_attempt || c_attempt;
    u_version := u_version || c_version; u_started := u_started || c_started; u_finished := u_finished || c_finished;
    u_duration := u_duration || c_duration; u_output := u_output || c_output; u_set_output := u_set_output || c_set_output;
    u_error := u_error || c_error; u_set_error := u_set_error || c_set_error;
  end if;

  if cardinality(u_id) > 0 then
    -- 1. the execution rows (one update per execution, however many moves it made)
    if cardinality(u_id) = 1 then
      -- one execution: parameters, so the update is pruned to its partition at executor start
      update app_public.executions e set
        state = u_state[1], attempt = u_attempt[1], version = u_version[1], started_at = u_started[1],
        finished_at = u_finished[1], duration_ms = u_duration[1],
        output = case when u_set_output[1] then u_output[1] else e.output end,
        error = case when u_set_error[1] then u_error[1] else e.error end,
        updated_at = now()
       where e.id = u_id[1] and e.created_at = u_created[1];
    else
    update app_public.executions e set
      state = u.state, attempt = u.attempt, version = u.version, started_at = u.started_at, finished_at = u.finished_at,
      duration_ms = u.duration_ms,
      output = case when u.set_output then u.output else e.output end,
      error = case when u.set_error then u.error else e.error end,
      updated_at = now()
      from unnest(u_id, u_created, u_state, u_attempt, u_version, u_started, u_finished, u_duration, u_output, u_set_output, u_error, u_set_error)
        as u(id, created_at, state, attempt, version, started_at, finished_at, duration_ms, output, set_output, error, set_error)
     where e.id = u.id and e.created_at = u.created_at;
    end if;

    -- 2. the history (the chain trigger re-checks every move)
    insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason, details)
      select t.id, t.created_at, t.seq, t.team_id, t.from_state, t.to_state, t.at, p_actor, t.reason, t.details
        from unnest(t_id, t_created, t_seq, t_team, t_from, t_to, t_at, t_reason, t_details)
          as t(id, created_at, seq, team_id, from_state, to_state, at, reason, details);

    -- 3. ExecutionStateChanged events: the bulk form of append_events for execution streams. The execution row
    --    lock (held above) serializes every writer of the stream 'execution-<id>', so versions stay contiguous.
    select array_agg(x.sid order by x.sid), array_agg(x.n order by x.sid) into v_streams, v_counts
      from (select 'execution-' || id as sid, count(*) as n from unnest(t_id) id group by 1) x;
    with bumped as (
      update app_public.event_streams s set version = s.version + c.n, updated_at = now()
        from unnest(v_streams, v_counts) c(sid, n)
       where s.id = c.sid and not s.archived
      returning 1)
    select count(*) into v_bumped from bumped;
    if v_bumped < cardinality(v_streams) then
      if exists (select 1 from app_public.event_streams s where s.id = any (v_streams) and s.archived) then
        raise exception 'an execution stream is archived' using errcode = 'LFARC';
      end if;
      -- executions created outside start_execution (imports) have no stream yet: create them, then bump
      with created as (
        insert into app_public.event_streams (id, type, team_id, version)
        select c.sid, 'execution', min(t.team_id::text)::uuid, c.n
          from unnest(v_streams, v_counts) c(sid, n)
          join unnest(t_id, t_team) t(id, team_id) on 'execution-' || t.id = c.sid
         where not exists (select 1 from app_public.event_streams s where s.id = c.sid)
         group by c.sid, c.n
        returning 1)
      select count(*) + v_bumped into v_bumped from created;
    end if;
    insert into app_public.events (stream_id, stream_type, stream_version, event_id, type, data, metadata, team_id)
      select 'execution-' || t.id, 'execution',
             s.version - (count(*) over (partition by t.id)) + (row_number() over (partition by t.id order by t.seq)),
             public.gen_random_uuid(), 'ExecutionStateChanged', t.data, t.meta, t.team_id
        from unnest(t_id, t_seq, t_team, t_data, t_meta) as t(id, seq, team_id, data, meta)
        join app_public.event_streams s on s.id = 'execution-' || t.id
       order by t.id, t.seq;

    -- 4. one metric sample per finished attempt (the rollup trigger aggregates them)
    if cardinality(s_id) = 1 then
      insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
        select s_id[1], s_at[1], s_team[1], s_workflow[1], s_state[1], s_duration[1], count(*)::integer,
               (count(*) filter (where nr.status = 'failed'))::integer
          from app_public.execution_node_runs nr
         where nr.execution_id = s_id[1] and nr.execution_created_at = s_created[1];
    elsif cardinality(s_id) > 1 then
      insert into app_public.execution_metric_samples (execution_id, recorded_at, team_id, workflow_id, state, duration_ms, node_count, failed_node_count)
        select s.id, s.at, s.team_id, s.workflow_id, s.state, s.duration_ms, coalesce(n.total, 0), coalesce(n.failed, 0)
          from unnest(s_id, s_created, s_at, s_team, s_workflow, s_state, s_duration)
            as s(id, created_at, at, team_id, workflow_id, state, duration_ms)
          left join lateral (
            select count(*)::integer as total, (count(*) filter (where nr.status = 'failed'))::integer as failed
              from app_public.execution_node_runs nr
             where nr.execution_id = s.id and nr.execution_created_at = s.created_at) n on true;
    end if;
  end if;

  return query
    select o.ord, o.id, o.created_at, o.ok, o.code, o.state, o.seq, o.attempt
      from unnest(o_ord, o_id, o_created, o_ok, o_code, o_state, o_seq, o_attempt) as o(ord, id, created_at, ok, code, state, seq, attempt)
     order by o.ord;
end;
$_$;
comment on function app_private.apply_execution_transitions(jsonb, uuid, boolean) is
'The transition engine (owner only). items: [{id, to_state, expected_from?, details?: {reason?, output?, error?, correlation_id?, causation_id?, trace_id?, ...}}].
Locks the target executions in id order, checks each move against execution_allowed_transitions and expected_from,
applies the moves in input order (several per execution allowed), then writes set-based: one UPDATE of executions,
one INSERT of transitions, the ExecutionStateChanged events, and metric samples for finished attempts. Failed items
write nothing and report error_code + current_state; unexpected errors abort the whole call.';

CREATE OR REPLACE FUNCTION app_private.transition_execution(p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean) RETURNS app_public.executions
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  res app_public.execution_transition_result;
  e app_public.executions;
begin
  if p_details is not null and jsonb_typeof(p_details) not in ('object', 'null') then
    raise exception 'details must be a JSON object' using errcode = 'LFVAL', detail = 'field: details';
  end if;
  select * into res from app_private.apply_execution_transitions(
    jsonb_build_array(jsonb_build_object('id', p_id, 'to_state', p_to_state, 'expected_from', p_expected_from, 'details', p_details)),
    p_actor, p_check_role);
  if not res.ok then
    case res.error_code
      when 'LFNTF' then raise exception 'execution not found' using errcode = 'LFNTF', detail = 'field: id';
      when 'LFDNY' then raise exception 'changing an execution needs the editor role' using errcode = 'LFDNY';
      when 'LFSTA' then
        raise exception 'illegal or stale transition to % (execution is %)', p_to_state, res.current_state
          using errcode = 'LFSTA', detail = format('current_state=%s', res.current_state);
      else raise exception 'invalid transition request' using errcode = 'LFVAL',
        detail = case when p_to_state is null or p_to_state not in ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')
                      then 'field: to_state' when p_expected_from is not null then 'field: expected_from' else 'field: details' end;
    end case;
  end if;
  select * into e from app_public.executions x where x.id = p_id and x.created_at = res.execution_created_at;
  return e;
end;
$$;
comment on function app_private.transition_execution(uuid, text, text, jsonb, uuid, boolean) is 'Service path of transition_execution (owner only): one move through the transition engine; raises LFNTF, LFDNY, LFSTA (DETAIL current_state=<s>) or LFVAL and then nothing is written.';

CREATE OR REPLACE FUNCTION app_private.execution_history(team_id uuid DEFAULT NULL::uuid, workflow_id uuid DEFAULT NULL::uuid, state text DEFAULT NULL::text, created_from timestamp with time zone DEFAULT NULL::timestamp with time zone, created_before timestamp with time zone DEFAULT NULL::timestamp with time zone, after_created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, after_id uuid DEFAULT NULL::uuid, max_rows integer DEFAULT 50, check_membership boolean DEFAULT false) RETURNS SETOF app_public.executions
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_generic_plan'
    AS $$
declare
  lo timestamptz := coalesce(created_from, '-infinity');
  hi timestamptz := least(coalesce(created_before, 'infinity'), coalesce(after_created_at + interval '1 microsecond', 'infinity'));
  ca timestamptz := coalesce(after_created_at, 'infinity');
  ci uuid := coalesce(after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff');
  n integer := coalesce(max_rows, 50);
  v_team uuid;
begin
  if team_id is null and workflow_id is null then
    raise exception 'give a team_id or a workflow_id' using errcode = 'LFVAL', detail = 'field: team_id';
  end if;
  if n < 1 or n > 1000 then
    raise exception 'max_rows must be between 1 and 1000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  if (after_created_at is null) <> (after_id is null) then
    raise exception 'after_created_at and after_id go together' using errcode = 'LFVAL', detail = 'field: after_id';
  end if;
  if state is not null and state not in ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed') then
    raise exception 'unknown state' using errcode = 'LFVAL', detail = 'field: state';
  end if;
  -- Membership is checked once here instead of by the RLS policy, whose subquery would run once per partition.
  if check_membership then
    if workflow_id is not null then
      select w.team_id into v_team from app_public.workflows w where w.id = execution_history.workflow_id;
      if v_team is null or (execution_history.team_id is not null and execution_history.team_id <> v_team) then
        return;
      end if;
    else
      v_team := execution_history.team_id;
    end if;
    if not app_hidden.has_team_role(v_team, 'viewer') then
      return;
    end if;
  end if;
  -- One static query per filter shape, each served by an index led by its filter columns; created_at bounds
  -- prune partitions; (created_at, id) < cursor is the keyset condition, newest first.
  if workflow_id is not null and state is not null then
    return query select e.* from app_public.executions e
      where e.workflow_id = execution_history.workflow_id and e.state = execution_history.state
        and (execution_history.team_id is null or e.team_id = execution_history.team_id)
        and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
      order by e.created_at desc, e.id desc limit n;
  elsif workflow_id is not null then
    return query select e.* from app_public.executions e
      where e.workflow_id = execution_history.workflow_id
        and (execution_history.team_id is null or e.team_id = execution_history.team_id)
        and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
      order by e.created_at desc, e.id desc limit n;
  elsif state is not null then
    return query select e.* from app_public.executions e
      where e.team_id = execution_history.team_id and e.state = execution_history.state
        and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
      order by e.created_at desc, e.id desc limit n;
  else
    return query select e.* from app_public.executions e
      where e.team_id = execution_history.team_id
        and e.created_at >= lo and e.created_at < hi and (e.created_at, e.id) < (ca, ci)
      order by e.created_at desc, e.id desc limit n;
  end if;
end;
$$;
comment on function app_private.execution_history(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer, boolean) is 'Service path and core of app_public.execution_history (owner only); check_membership limits the result to teams the current user can view.';

drop function if exists app_private.write_execution_moves(app_private.execution_move[], uuid);
drop function if exists app_private.plan_execution_moves(app_private.execution_move_request[], app_public.executions[], boolean);
drop function if exists app_private.move_execution(uuid, text, text, jsonb, uuid, boolean);
drop function if exists app_private.execution_state_changed_event(app_private.execution_move, uuid);
drop function if exists app_private.parse_execution_moves(jsonb);
drop function if exists app_private.lock_executions(uuid[]);
drop function if exists app_private.append_execution_events(jsonb);
drop function if exists app_private.execution_timing_after_move(text, boolean, timestamptz, integer, timestamptz, timestamptz, bigint);
drop type if exists app_private.execution_move;
drop type if exists app_private.execution_move_request;
drop type if exists app_private.execution_timing;

CREATE OR REPLACE FUNCTION app_private.ensure_partitions_between(from_day date, to_day date) RETURNS TABLE(parent text, partition_name text, range_from date, range_to date, created boolean)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
declare
  t record;
  d date;
  pname text;
begin
  for t in select p.parent from app_private.partitioned_tables p order by p.parent::text loop
    d := from_day;
    while d <= to_day loop
      pname := app_private.partition_name(t.parent, d);
      parent := t.parent::text; partition_name := 'app_partitions.' || pname; range_from := d; range_to := d + 1;
      if to_regclass('app_partitions.' || quote_ident(pname)) is null then
        execute format('create table app_partitions.%I partition of %s for values from (%L) to (%L)',
          pname, t.parent, d::timestamptz, (d + 1)::timestamptz);
        created := true;
      else
        created := false;
      end if;
      return next;
      d := d + 1;
    end loop;
  end loop;
end;
$$;
comment on function app_private.ensure_partitions_between(date, date) is 'Creates the missing daily partitions of every managed parent for the days from_day..to_day (UTC dates, inclusive). Idempotent.';

do $$
declare p record;
begin
  for p in select i.inhrelid::regclass as part from pg_inherits i where i.inhparent = 'app_public.executions'::regclass loop
    execute format('alter table %s reset (fillfactor)', p.part);
  end loop;
end;
$$;
alter table app_private.partitioned_tables drop column if exists fillfactor;

create index if not exists executions_state_created_at_idx on app_public.executions (team_id, state, created_at desc);
create index if not exists executions_id_idx on app_public.executions (id);
create index if not exists executions_workflow_id_state_created_at_idx on app_public.executions (workflow_id, state, created_at desc, id desc);

drop trigger if exists _200_terminal_immutable on app_public.executions;
create trigger _200_terminal_immutable before update on app_public.executions
  for each row when (old.state in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'))
  execute function app_private.tg_executions__terminal_immutable();
alter table app_public.executions drop constraint if exists executions_state_known;
alter table app_public.executions add constraint executions_state_known check (state in ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'));
alter table app_public.execution_transitions drop constraint if exists execution_transitions_from_known;
alter table app_public.execution_transitions add constraint execution_transitions_from_known check (from_state in ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'));
alter table app_public.execution_transitions drop constraint if exists execution_transitions_to_known;
alter table app_public.execution_transitions add constraint execution_transitions_to_known check (to_state in ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'));
alter table app_public.execution_metric_samples drop constraint if exists execution_metric_samples_state_known;
alter table app_public.execution_metric_samples add constraint execution_metric_samples_state_known check (state in ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'));
alter table app_public.execution_allowed_transitions drop constraint if exists execution_allowed_transitions_from_known;
alter table app_public.execution_allowed_transitions add constraint execution_allowed_transitions_from_known check (from_state in ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'));
alter table app_public.execution_allowed_transitions drop constraint if exists execution_allowed_transitions_to_known;
alter table app_public.execution_allowed_transitions add constraint execution_allowed_transitions_to_known check (to_state in ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'));
drop function if exists app_hidden.execution_terminal_states();
drop function if exists app_hidden.execution_states();
