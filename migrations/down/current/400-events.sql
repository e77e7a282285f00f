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
