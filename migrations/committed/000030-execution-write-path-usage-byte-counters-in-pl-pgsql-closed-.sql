--! Previous: sha1:a15c621af1e1c2ca0f8e640f69730f734435ecfc
--! Hash: sha1:f3ecb44fb5c0d229f56dba81102c190b3cea6f7d
--! Message: execution write path: usage byte counters in PL/pgSQL, closed lists written into hot constraints, the array form of the append (append_stream_events) for the single move and workflow events, a two-query chain check, inlinable id and caller helpers, no second team FK on transitions and node runs

--! split: 100-foundation.sql
-- Two helpers every write calls, inlinable again.
--
-- A SQL function with a SET clause is never inlined: each statement that calls it parses, plans and runs its body
-- as a separate query (PostgreSQL's fmgr_sql), which costs tens of microseconds per calling statement. Neither
-- of these is SECURITY DEFINER and both name every function they call with its schema (pg_catalog builtins,
-- pgcrypto's public.gen_random_bytes), so pinning search_path protects nothing; without it the planner puts
-- their expression into the calling statement (a column default, a policy, a function body).

create or replace function app_public.uuid_generate_v7() returns uuid
  language sql volatile parallel safe
as $$
  -- 48-bit unix ms timestamp, version 7, variant 10, random rest
  select pg_catalog.encode(
    pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(
      overlay(public.gen_random_bytes(16)
        placing substring(pg_catalog.int8send((extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      55, 0), 54, 1), 53, 1), 52, 1), 71, 1), 70, 0), 'hex')::uuid;
$$;
alter function app_public.uuid_generate_v7() reset all;

create or replace function app_public.current_user_id() returns uuid
  language sql stable parallel safe
as $$
  select nullif(pg_catalog.current_setting('jwt.claims.user_id', true), '')::uuid;
$$;
alter function app_public.current_user_id() reset all;

--! split: 300-workflows.sql
-- Workflow events through the array form of the append, in PL/pgSQL.
--
-- workflow_append_event was a SQL function with a SET clause calling another (append_events): two bodies parsed
-- and planned again for every create, save, activation and deletion. It now calls app_private.append_stream_events
-- (one stream UPDATE and one INSERT for an existing stream; a new stream, the first event of a workflow, goes
-- through append_to_streams) with a plan kept for the session. workflow_event_metadata loses its SET clause
-- (every name it calls is qualified), so it inlines.

create or replace function app_private.workflow_event_metadata() returns jsonb
  language sql stable
as $$
  select pg_catalog.jsonb_build_object('actor', app_public.current_user_id())
      || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'correlation_id', nullif(pg_catalog.current_setting('linkflow.correlation_id', true), ''),
           'causation_id', nullif(pg_catalog.current_setting('linkflow.causation_id', true), ''),
           'trace_id', nullif(pg_catalog.current_setting('linkflow.trace_id', true), '')));
$$;
alter function app_private.workflow_event_metadata() reset all;

create or replace function app_private.workflow_append_event(w app_public.workflows, type text, data jsonb) returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  perform 1 from app_private.append_stream_events('workflow-' || w.id::text, 'workflow', null,
    array[workflow_append_event.type], array[coalesce(workflow_append_event.data, 'null'::jsonb)], array[app_private.workflow_event_metadata()], w.team_id);
end;
$$;

--! split: 400-events.sql
-- The array form of append_events: one stream, events as parallel arrays, a lean path for the common case.
--
-- A domain function that appends a few events to one existing stream (every execution move, every workflow save)
-- paid for the general multi-stream append: a JSON document built by the caller and taken apart again, eight
-- statements, and (through the SQL wrapper append_events, which is never inlined) a parse and plan of the wrapper
-- per call. The array form does what such an append needs and nothing more: bump the stream (one UPDATE, which
-- also locks it), wake up the readers, insert the events (one INSERT). Everything else (a new stream, an
-- expectation not met, an archived stream, caller-chosen event ids, malformed input) goes to the careful path,
-- app_private.append_to_streams, so every refusal, every retry answer and every error text has one home.

create or replace function app_private.events_wake_up() returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  -- NOTIFY serialises the commits of notifying transactions cluster-wide (a global lock held through the commit's
  -- WAL flush), which cut single-append throughput about 5x when every writer notified. So only the transaction
  -- holding a transaction-scoped try-lock notifies; the others commit in parallel and are picked up by that
  -- wake-up or the next one (or the manager's polling fallback).
  if coalesce(current_setting('linkflow.events_notify', true), '') <> 'off'
     and pg_try_advisory_xact_lock(41004, 0) then
    perform pg_notify('linkflow_events', '');
  end if;
end;
$$;
comment on function app_private.events_wake_up() is
  'The event store''s wake-up (owner only): a NOTIFY on linkflow_events, sent only by the transaction holding the notify gate (advisory lock 41004/0) and only unless the setting linkflow.events_notify is off. Called by every append before it inserts.';
revoke all on function app_private.events_wake_up() from public;

create or replace function app_private.append_stream_events(
  stream_id text, stream_type text, expected_version bigint,
  types text[], datas jsonb[], metadatas jsonb[],
  team_id uuid default null, event_ids uuid[] default null
) returns table (event_id uuid, stream_version bigint, global_position bigint)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
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
comment on function app_private.append_stream_events(text, text, bigint, text[], jsonb[], jsonb[], uuid, uuid[]) is
  'The array form of append_events (owner only): appends events to one stream, given as parallel arrays (types, datas, metadatas, and optionally event_ids), with the rules and errors of app_private.append_to_streams.
expected_version: null = any, 0 = the stream must not exist yet, n = the stream must be at version n.
A well-formed append without event ids to an existing live stream that meets the expectation is one UPDATE of the stream and one INSERT of the events; everything else (a new stream, LFVER, LFARC, retries and LFDUP, LFVAL) goes through append_to_streams. Returns one row per event in order.';
revoke all on function app_private.append_stream_events(text, text, bigint, text[], jsonb[], jsonb[], uuid, uuid[]) from public;

-- The one-stream JSON form: the same careful path, as PL/pgSQL (a SQL function with a SET clause is parsed and
-- planned on every call).
create or replace function app_private.append_events(stream_id text, stream_type text, expected_version bigint, events jsonb, team_id uuid default null)
  returns table (event_id uuid, stream_version bigint, global_position bigint)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  return query
  select a.event_id, a.stream_version, a.global_position
    from app_private.append_to_streams(jsonb_build_array(jsonb_build_object(
           'stream_id', append_events.stream_id, 'stream_type', append_events.stream_type,
           'expected_version', append_events.expected_version, 'team_id', append_events.team_id,
           'events', coalesce(append_events.events, 'null'::jsonb)))) a;
end;
$$;

-- append_to_streams wakes readers through events_wake_up (the gate's one home).
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

--! split: 500-executions.sql
-- The single move, leaner: its event through the array form of the append, a two-query chain check, and the
-- closed lists written into the constraints that check every written row.
--
-- Measured on the single move (1 client, synchronous_commit off, so the figures are CPU per move; see #19's note):
-- - constraint and trigger-WHEN expressions are prepared again for every statement that writes the table, and a
--   call of app_hidden.execution_states() there is not folded by the planner: it ran as a SQL function (parse,
--   plan, execute) 3-4 times per move. The constraints now hold the list itself, written by this migration from
--   the one declaration (app_hidden.execution_states() / execution_terminal_states()); a test checks that the
--   two agree.
-- - the move's event goes through app_private.append_stream_events (one UPDATE of the stream, one INSERT),
--   not through the JSON form and its eight statements.
-- - the chain trigger's one-row path is two queries instead of four.

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

create or replace function app_private.tg_execution_transitions__chain() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  one record;
  v_bad boolean := false;
begin
  select n.execution_id, n.execution_created_at, n.seq, n.from_state, n.to_state, count(*) over () as rows
    into one from new_transitions n limit 1;
  if one.rows = 1 then
    -- one row (the single move): one check with the row's values as parameters, so the previous transition is
    -- looked up in one partition, pruned at executor start
    select (one.seq = 1) <> (one.from_state is null)
        or (one.from_state is not null and not exists (
              select 1 from app_public.execution_allowed_transitions a
               where a.from_state = one.from_state and a.to_state = one.to_state))
        or exists (
              select 1 from app_public.execution_transitions p
               where p.execution_id = one.execution_id and p.execution_created_at = one.execution_created_at
                 and p.seq = one.seq - 1 and p.to_state is distinct from one.from_state)
      into v_bad;
  elsif one.rows > 1 then
    select n.execution_id, n.execution_created_at, n.seq, n.from_state, n.to_state, one.rows into one
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
    v_bad := found;
  end if;
  if v_bad then
    raise exception 'transition % of execution % (% -> %) is not allowed or breaks the chain',
      one.seq, one.execution_id, coalesce(one.from_state, 'none'), one.to_state
      using errcode = 'LFSTA', detail = format('current_state=%s', coalesce(one.from_state, 'none'));
  end if;
  return null;
end;
$$;

-- Closed lists in the constraints, written from their declaration (NOT VALID, then VALIDATE: the rows already
-- met the same list, and validation takes no lock that blocks writers).
do $$
declare
  v_states text := format('%L::text[]', app_hidden.execution_states());
  v_terminal text := format('%L::text[]', app_hidden.execution_terminal_states());
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
    execute format('alter table %s drop constraint %I, add constraint %I check (%I = any (%s)) not valid',
                   c.tbl, c.name, c.name, c.col, v_states);
    execute format('alter table %s validate constraint %I', c.tbl, c.name);
  end loop;
  drop trigger _200_terminal_immutable on app_public.executions;
  execute format('create trigger _200_terminal_immutable before update on app_public.executions for each row
                  when (old.state = any (%s)) execute function app_private.tg_executions__terminal_immutable()', v_terminal);
end;
$$;

-- Transitions and node runs keep their team through their execution, not through a second foreign key to teams.
-- Every writer copies team_id from the execution row it has locked, and a team's deletion cascades through its
-- executions to both tables. The teams FK made every move and node-run insert key-share lock the team's row: all
-- writers of a team lock the same row, so 16 concurrent movers built a multixact on it per lock (WAL and SLRU
-- traffic on one hot row), and each insert paid one more RI query.
alter table app_public.execution_transitions drop constraint execution_transitions_team_id_fkey;
alter table app_public.execution_node_runs drop constraint execution_node_runs_team_id_fkey;

--! split: 850-lifecycle.sql
-- The usage byte counters in PL/pgSQL: the same sums, a plan kept for the session.
--
-- As SQL functions they were never inlined (the whole-row argument reaches them through a row-type conversion and
-- is used once per column), so every statement calling them parsed and planned their body again: the usage
-- triggers of one single move spent about 0.4 ms there, half the cost of the move (measured with 1 client,
-- synchronous_commit off: 0.90 ms per bare move with the SQL bodies, 0.42 ms with these).

create or replace function app_private.execution_bytes(r app_public.executions) returns bigint
  language plpgsql immutable parallel safe
as $$
begin
  return (24 + coalesce(pg_column_size(r.id), 0) + coalesce(pg_column_size(r.created_at), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.workflow_id), 0) + coalesce(pg_column_size(r.workflow_version), 0) + coalesce(pg_column_size(r.state), 0) + coalesce(pg_column_size(r.trigger_type), 0) + coalesce(pg_column_size(r.trigger_id), 0) + coalesce(pg_column_size(r.input), 0) + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.error), 0) + coalesce(pg_column_size(r.attempt), 0) + coalesce(pg_column_size(r.idempotency_key), 0) + coalesce(pg_column_size(r.version), 0) + coalesce(pg_column_size(r.started_at), 0) + coalesce(pg_column_size(r.finished_at), 0) + coalesce(pg_column_size(r.duration_ms), 0) + coalesce(pg_column_size(r.updated_at), 0))::bigint;
end;
$$;

create or replace function app_private.execution_transition_bytes(r app_public.execution_transitions) returns bigint
  language plpgsql immutable parallel safe
as $$
begin
  return (24 + coalesce(pg_column_size(r.execution_id), 0) + coalesce(pg_column_size(r.execution_created_at), 0) + coalesce(pg_column_size(r.seq), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.from_state), 0) + coalesce(pg_column_size(r.to_state), 0) + coalesce(pg_column_size(r.at), 0) + coalesce(pg_column_size(r.actor_id), 0) + coalesce(pg_column_size(r.reason), 0) + coalesce(pg_column_size(r.details), 0))::bigint;
end;
$$;

create or replace function app_private.execution_node_run_bytes(r app_public.execution_node_runs) returns bigint
  language plpgsql immutable parallel safe
as $$
begin
  return (24 + coalesce(pg_column_size(r.execution_id), 0) + coalesce(pg_column_size(r.execution_created_at), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.node_name), 0) + coalesce(pg_column_size(r.node_id), 0) + coalesce(pg_column_size(r.attempt), 0) + coalesce(pg_column_size(r.status), 0) + coalesce(pg_column_size(r.started_at), 0) + coalesce(pg_column_size(r.finished_at), 0) + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.error), 0))::bigint;
end;
$$;
