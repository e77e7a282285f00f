-- Event ids made by the store are UUIDv7 (time-ordered) instead of random v4.
--
-- events_event_id_key is a unique btree on event_id. With random ids every insert lands on a random leaf page, so
-- after each checkpoint nearly every insert writes a full-page image of the page it touches, and the index works
-- out of cache as it grows. Measured on a 64-event insert (EXPLAIN (ANALYZE, WAL), warm, on a machine loaded by
-- other work so times are not evidence): 55-61 full-page images and ~400 kB of WAL with gen_random_uuid(), none
-- and ~65-70 kB with uuid_generate_v7(). Caller-chosen ids are stored as given.

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
    select v_sid[x.sidx], v_type[x.sidx], v_base[x.sidx] + x.ord, app_public.uuid_generate_v7(), x.type, x.sv, x.data, x.meta,
           coalesce(v_team[x.sidx], v_stream_team[x.sidx])
      from unnest(e_sidx, e_ord, e_type, e_schema, e_data, e_meta) as x(sidx, ord, type, sv, data, meta)
    returning ev.stream_id, ev.event_id, ev.stream_version, ev.global_position;
  else
    return query
    insert into app_public.events as ev (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
    select v_sid[x.sidx], v_type[x.sidx], v_base[x.sidx] + x.ord, coalesce(x.id, app_public.uuid_generate_v7()), x.type, x.sv, x.data, x.meta,
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
      select append_stream_events.stream_id, append_stream_events.stream_type, v_base + x.ord, app_public.uuid_generate_v7(), x.type, 1,
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



-- The multi-stream array form: what the execution engine's batches append through.
--
-- A 64-move batch spent 7.8 ms of its 17 ms in append_to_streams (pg_stat_statements, one client): building the
-- JSON document of the appends (1.5 ms in the caller), taking it apart and validating it (1.2 ms), then the stream
-- locks, the bump and the insert. The array form takes the same appends as parallel arrays; when every stream exists,
-- is live and every event is well formed (the engine's case) it locks the streams in id order, bumps them in one
-- UPDATE and inserts the events in one INSERT. Anything else goes to append_to_streams before anything is written.
create or replace function app_private.append_streams_events(
  stream_ids text[], stream_types text[], team_ids uuid[],
  event_streams integer[], types text[], datas jsonb[], metadatas jsonb[]
) returns table (stream_id text, event_id uuid, stream_version bigint, global_position bigint)
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_n integer := coalesce(cardinality(stream_ids), 0);
  v_e integer := coalesce(cardinality(types), 0);
  v_live integer;
  v_base bigint[];
  v_team uuid[];
begin
  -- 1. The lean path: well-formed arrays, distinct streams that all get events, all existing and live.
  if v_n > 0 and v_e > 0
     and cardinality(stream_types) = v_n and cardinality(team_ids) = v_n
     and cardinality(event_streams) = v_e and cardinality(datas) = v_e and cardinality(metadatas) = v_e
     and not exists (select 1 from unnest(stream_ids, stream_types) s(id, type)
                      where s.id is null or char_length(s.id) not between 1 and 300
                         or s.type is null or char_length(s.type) not between 1 and 100)
     and (select count(distinct s.id) from unnest(stream_ids) s(id)) = v_n
     and (select count(distinct x.k) from unnest(event_streams) x(k) where x.k between 1 and v_n) = v_n
     and not exists (select 1 from unnest(event_streams, types, metadatas) x(k, type, metadata)
                      where x.k is null or x.k not between 1 and v_n
                         or x.type is null or char_length(x.type) not between 1 and 200
                         or coalesce(jsonb_typeof(x.metadata), 'null') not in ('null', 'object')) then
    -- lock the streams in stream-id order (concurrent multi-stream appends never deadlock)
    select count(*) filter (where not l.archived) into v_live
      from (select s.archived from app_public.event_streams s where s.id = any (stream_ids) order by s.id for update) l;
    if v_live = v_n then
      with bumped as (
        update app_public.event_streams s set version = s.version + c.n, updated_at = now()
          from (select x.k, count(*) as n from unnest(event_streams) x(k) group by x.k) c
         where s.id = stream_ids[c.k]
        returning c.k, s.version - c.n as base, s.team_id
      )
      select array_agg(b.base order by b.k), array_agg(b.team_id order by b.k) into v_base, v_team from bumped b;
      perform app_private.events_wake_up();
      return query
      insert into app_public.events as ev (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
      select stream_ids[x.k], stream_types[x.k], v_base[x.k] + row_number() over (partition by x.k order by x.ord),
             app_public.uuid_generate_v7(), x.type, 1, coalesce(x.data, '{}'::jsonb),
             coalesce(nullif(x.metadata, 'null'::jsonb), '{}'::jsonb), coalesce(team_ids[x.k], v_team[x.k])
        from unnest(event_streams, types, datas, metadatas) with ordinality as x(k, type, data, metadata, ord)
       order by x.ord
      returning ev.stream_id, ev.event_id, ev.stream_version, ev.global_position;
      return;
    end if;
  end if;

  -- 2. Everything else: the careful path, the same appends as JSON (streams in the given order, events in input order).
  if coalesce(cardinality(stream_types), 0) <> v_n or coalesce(cardinality(team_ids), 0) <> v_n
     or coalesce(cardinality(event_streams), 0) <> v_e or coalesce(cardinality(datas), 0) <> v_e
     or coalesce(cardinality(metadatas), 0) <> v_e then
    raise exception 'stream_ids, stream_types, team_ids (one per stream) and event_streams, types, datas, metadatas (one per event) must have matching lengths'
      using errcode = 'LFVAL', detail = 'field: events';
  end if;
  return query
  select * from app_private.append_to_streams((
    select coalesce(jsonb_agg(jsonb_build_object('stream_id', s.id, 'stream_type', s.type, 'expected_version', null, 'team_id', s.team,
                                                 'events', coalesce(e.events, '[]'::jsonb)) order by s.k), '[]'::jsonb)
      from unnest(stream_ids, stream_types, team_ids) with ordinality s(id, type, team, k)
      left join lateral (
        select jsonb_agg(jsonb_build_object('type', x.type, 'data', x.data, 'metadata', x.metadata) order by x.ord) as events
          from unnest(event_streams, types, datas, metadatas) with ordinality as x(k, type, data, metadata, ord)
         where x.k = s.k) e on true));
end;
$$;
comment on function app_private.append_streams_events(text[], text[], uuid[], integer[], text[], jsonb[], jsonb[]) is
  'The multi-stream array form of the append (owner only), expected version "any" for every stream: streams as parallel arrays (stream_ids, stream_types, team_ids), events as parallel arrays (event_streams: the 1-based index of the event''s stream, types, datas, metadatas), in input order. When every stream exists and is live and every event is well formed: the streams are locked in id order, bumped in one UPDATE and the events inserted in one INSERT (stream versions in input order per stream). Anything else (a new stream, an archived stream, bad input) goes through app_private.append_to_streams with its rules and errors before anything is written. One row per event, in input order.';
revoke all on function app_private.append_streams_events(text[], text[], uuid[], integer[], text[], jsonb[], jsonb[]) from public;
