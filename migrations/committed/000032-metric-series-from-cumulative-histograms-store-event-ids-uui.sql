--! Previous: sha1:cff161d69523a72115b57c85dc3f5bd10fd715d9
--! Hash: sha1:b6b4b64b14e958983f8263caa9b50f1eedb5f928
--! Message: metric series from cumulative histograms, store event ids UUIDv7, the multi-stream array form of the append for the batch engine, parse and plan of the batch engine in PL/pgSQL

--! split: 400-events.sql
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

--! split: 500-executions.sql
-- Metric series without exploding histograms: a cumulative histogram per rollup row, read by binary search.
--
-- execution_metrics_series merged the 200-bucket histograms of every row it read by unnesting them (rows x 200
-- rows) and then ran app_hidden.histogram_percentile (a SQL function with a SET clause: parsed, planned and run as a
-- separate query) twice per point: an hourly series of one workflow over 30 days (720 rollup rows) touched 144,000
-- unnested rows, and the benchmark's series p99 was 360 ms (target: under 5 ms).
--
-- Now each rollup row carries duration_cumulative, its histogram's running sums (a stored generated column, so
-- every writer keeps it right and nobody can write it). A point with one source row (the usual case: one workflow,
-- shard 0, folded) finds its percentile's bucket with width_bucket over that array (a binary search in C); a point
-- with several rows (a team's workflows, old shards, the unfolded tail) binary-searches the column sums of the
-- k x 200 array (app_hidden.cumulative_search: 8 steps of k additions). The value is unchanged: the bucket's
-- representative duration (app_hidden.duration_bucket_value), the same nearest-rank rule as histogram_percentile.

create or replace function app_hidden.histogram_cumulative(histogram integer[]) returns integer[]
  language sql immutable parallel safe
as $$
  select pg_catalog.array_agg(x.s::integer order by x.i)
    from (select u.i, pg_catalog.sum(u.c) over (order by u.i) as s
            from pg_catalog.unnest(histogram) with ordinality u(c, i)) x;
$$;
comment on function app_hidden.histogram_cumulative(integer[]) is
  'The running sums of a duration histogram: element i is the number of durations in buckets 1..i (the last element is the total). Null for null.';

create or replace function app_hidden.cumulative_search(cumulatives integer[], rank bigint) returns integer
  language plpgsql immutable parallel safe strict
  set search_path = pg_catalog
as $$
declare
  v_lo integer := 1;
  v_hi integer := array_upper(cumulatives, 2);
  v_mid integer;
  v_count bigint;
begin
  -- the first bucket whose cumulative count, summed over the rows (the first dimension), reaches rank
  while v_lo < v_hi loop
    v_mid := (v_lo + v_hi) / 2;
    v_count := 0;
    for r in array_lower(cumulatives, 1) .. array_upper(cumulatives, 1) loop
      v_count := v_count + cumulatives[r][v_mid];
    end loop;
    if v_count >= rank then v_hi := v_mid; else v_lo := v_mid + 1; end if;
  end loop;
  return v_lo;
end;
$$;
comment on function app_hidden.cumulative_search(integer[], bigint) is
  'The first histogram bucket at which the summed cumulative histograms (a k x 200 array, one row per source) reach rank: a binary search, 8 steps of k additions.';

create or replace function app_hidden.duration_bucket_value(bucket integer) returns double precision
  language sql immutable parallel safe strict
as $$
  -- in double precision (numeric power took ~6 us per call, most of a series point's cost)
  select pg_catalog.power(1.1::double precision, bucket - 0.5::double precision) - 1;
$$;
alter function app_hidden.duration_bucket_value(integer) reset all;

create or replace function app_hidden.cumulative_percentile(one_cumulative integer[], cumulatives integer[], total bigint, fraction double precision)
  returns double precision
  language sql immutable parallel safe
as $$
  select case when total > 0 then app_hidden.duration_bucket_value(
           case when cumulatives is null
                then 1 + pg_catalog.width_bucket(greatest(1, ceil(fraction * total))::integer - 1, one_cumulative)
                else app_hidden.cumulative_search(cumulatives, greatest(1, ceil(fraction * total))::bigint) end) end;
$$;
comment on function app_hidden.cumulative_percentile(integer[], integer[], bigint, double precision) is
  'Nearest-rank percentile (like percentile_disc, as histogram_percentile) of a series point from its cumulative histogram: one_cumulative when the point has one source row, else cumulatives (k x 200); total is the number of durations. The representative value of the bucket holding the rank; null when total is 0.';

revoke all on function app_hidden.histogram_cumulative(integer[]) from public;
grant execute on function app_hidden.histogram_cumulative(integer[]) to linkflow_visitor;
revoke all on function app_hidden.cumulative_search(integer[], bigint) from public;
grant execute on function app_hidden.cumulative_search(integer[], bigint) to linkflow_visitor;
revoke all on function app_hidden.cumulative_percentile(integer[], integer[], bigint, double precision) from public;
grant execute on function app_hidden.cumulative_percentile(integer[], integer[], bigint, double precision) to linkflow_visitor;

alter table app_public.execution_metric_rollups
  add column if not exists duration_cumulative integer[] generated always as (app_hidden.histogram_cumulative(duration_histogram)) stored;
comment on column app_public.execution_metric_rollups.duration_cumulative is
  E'@behavior -*\nRunning sums of duration_histogram (generated): what execution_metrics_series reads percentiles from. Internal: not exposed through GraphQL.';

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

-- The batch engine's parse and plan steps in PL/pgSQL (the same queries): as SQL functions with a SET clause they were
-- parsed and planned on every call (pg_stat_statements, one 64-move batch: plan_execution_moves took 2.9 ms of
-- which its own query 0.7 ms and the row locks 0.65 ms; parse_execution_moves 0.66 ms for a 0.33 ms query).

create or replace function app_private.parse_execution_moves(p_items jsonb) returns setof app_private.execution_move_request
  language plpgsql immutable parallel safe
  set search_path = pg_catalog
as $fn$
begin
  return query
  select a.o::integer,
         case when jsonb_typeof(a.x) = 'object' and (a.x->>'id') ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
              then (a.x->>'id')::uuid end,
         case when jsonb_typeof(a.x) = 'object' then a.x->>'to_state' end,
         case when jsonb_typeof(a.x) = 'object' then a.x->>'expected_from' end,
         case when jsonb_typeof(a.x->'details') = 'object' then a.x->'details' end,
         jsonb_typeof(a.x) = 'object' and (a.x->'details' is null or jsonb_typeof(a.x->'details') in ('object', 'null'))
    from jsonb_array_elements(p_items) with ordinality as a(x, o);
end;
$fn$;

create or replace function app_private.plan_execution_moves(p_requests app_private.execution_move_request[], p_locked app_public.executions[], p_check_role boolean) returns setof app_private.execution_move
  language plpgsql volatile
  set search_path = pg_catalog
as $fn$
begin
  return query
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
end;
$fn$;

-- The batch engine appends its events through the multi-stream array form (app_private.append_streams_events)
-- instead of building a JSON document for append_to_streams.
create or replace function app_private.write_execution_moves(p_moves app_private.execution_move[], p_actor uuid) RETURNS void
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
