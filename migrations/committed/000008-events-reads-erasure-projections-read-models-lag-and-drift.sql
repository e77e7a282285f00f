--! Previous: sha1:e6575c9a76ca23f1ca4ac76130ff04ebf8a09b70
--! Hash: sha1:b00babecf62cdb73a491b56122683f7b3dbf3f6e
--! Message: events: reads, erasure, projections, read models, lag and drift

-- Issue 4: event store (append/read/erase), projections (checkpoints, dead letters, rebuild swap, lag) and the
-- read models (workflow list, daily execution statistics, team activity feed).
-- Exact reverse: migrations/down/current.sql.

insert into app_public.error_codes (code, name, description) values
  ('LFPRJ', 'projection_busy', 'A projection rebuild is already running, or the projection is unknown.');

------------------------------------------------------------------------------------------------------------
-- append_events: same signature and contract as 000001; a faster body.
-- Fast path: one UPDATE that locks and bumps the stream (or one INSERT of a new stream), one INSERT of the
-- events; only a failed expectation takes the careful path (lock, then say why). Caller-supplied event ids
-- are first looked up, so a retry returns the original result (two identical retries racing each other:
-- the loser gets a unique violation, and its next retry returns the original result).
-- A gated wake-up NOTIFY on channel linkflow_events (at most one notifying writer in flight; see below and
-- docs/events.md); `set linkflow.events_notify = off` suppresses it entirely.
------------------------------------------------------------------------------------------------------------
create or replace function app_private.append_events(
  stream_id text,
  stream_type text,
  expected_version bigint,
  events jsonb,
  team_id uuid default null
) returns table (event_id uuid, stream_version bigint, global_position bigint)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_count integer;
  v_current bigint;
  v_archived boolean;
  v_team uuid;
  v_ids uuid[];
  v_existing integer;
  v_bumped boolean := false;
begin
  if events is null or jsonb_typeof(events) <> 'array' then
    raise exception 'events must be a JSON array' using errcode = 'LFVAL', detail = 'field: events';
  end if;
  v_count := jsonb_array_length(events);
  if v_count = 0 then
    return;
  end if;
  if expected_version is not null and expected_version < 0 then
    raise exception 'expected_version must be null (any), 0 (no stream) or a positive version' using errcode = 'LFVAL', detail = 'field: expected_version';
  end if;
  if stream_type is null then
    raise exception 'stream_type is required' using errcode = 'LFVAL', detail = 'field: stream_type';
  end if;

  if jsonb_path_exists(events, '$[*].event_id') then
    -- Idempotent retry: the same event ids already appended to this stream return the original result.
    v_ids := array(select (x->>'event_id')::uuid from jsonb_array_elements(events) x where x ? 'event_id');
    select count(*) into v_existing from app_public.events e where e.event_id = any (v_ids);
    if v_existing > 0 then
      if v_existing = v_count and cardinality(v_ids) = v_count
         and (select count(*) from app_public.events e
               where e.event_id = any (v_ids) and e.stream_id = append_events.stream_id) = v_count then
        return query select e.event_id, e.stream_version, e.global_position from app_public.events e
          where e.event_id = any (v_ids) order by e.stream_version;
        return;
      end if;
      raise exception 'some event ids already exist in another append' using errcode = 'LFDUP',
        detail = format('stream %s', append_events.stream_id);
    end if;
  end if;

  -- Fast path: lock and bump in one statement when the expectation holds.
  update app_public.event_streams s
     set version = s.version + v_count, updated_at = now()
   where s.id = append_events.stream_id
     and not s.archived
     and (append_events.expected_version is null or s.version = append_events.expected_version)
  returning s.version - v_count, s.team_id into v_current, v_team;
  v_bumped := found;

  if not v_bumped then
    -- A new stream: create it already bumped (only when "any" or "no stream" is expected).
    if expected_version is null or expected_version = 0 then
      insert into app_public.event_streams as s (id, type, team_id, version)
        values (append_events.stream_id, append_events.stream_type, append_events.team_id, v_count)
        on conflict (id) do nothing
      returning 0::bigint, s.team_id into v_current, v_team;
      v_bumped := found;
    end if;
  end if;

  if not v_bumped then
    -- The careful path: lock the existing stream and find out what to do.
    select s.version, s.archived, s.team_id into v_current, v_archived, v_team
      from app_public.event_streams s where s.id = append_events.stream_id for update;
    if not found then
      -- Only reachable with expected_version > 0 on a missing stream.
      raise exception 'stream % does not exist, not at the expected version %', append_events.stream_id, expected_version
        using errcode = 'LFVER', detail = 'current_version=0';
    end if;
    if v_archived then
      raise exception 'stream % is archived', append_events.stream_id using errcode = 'LFARC';
    end if;
    if expected_version is not null and expected_version <> v_current then
      raise exception 'stream % is at version %, not the expected %', append_events.stream_id, v_current, expected_version
        using errcode = 'LFVER', detail = format('current_version=%s', v_current);
    end if;
    update app_public.event_streams s set version = v_current + v_count, updated_at = now()
     where s.id = append_events.stream_id;
  end if;

  -- Wake-up: NOTIFY serialises the commits of notifying transactions cluster-wide (a global lock held through
  -- the commit's WAL flush), which cut single-append throughput about 5x when every writer notified. So only
  -- the transaction holding a transaction-scoped try-lock notifies; the others commit in parallel and are
  -- picked up by that wake-up or the next one (or the manager's polling fallback).
  if coalesce(pg_catalog.current_setting('linkflow.events_notify', true), '') <> 'off'
     and pg_catalog.pg_try_advisory_xact_lock(41004, 0) then
    perform pg_catalog.pg_notify('linkflow_events', '');
  end if;

  return query
  insert into app_public.events (stream_id, stream_type, stream_version, event_id, type, schema_version, data, metadata, team_id)
  select append_events.stream_id, append_events.stream_type, v_current + x.ord,
         coalesce((x.e->>'event_id')::uuid, public.gen_random_uuid()),
         x.e->>'type',
         coalesce((x.e->>'schema_version')::integer, 1),
         coalesce(x.e->'data', '{}'::jsonb),
         coalesce(x.e->'metadata', '{}'::jsonb),
         coalesce(append_events.team_id, v_team)
    from jsonb_array_elements(events) with ordinality as x(e, ord)
  returning events.event_id, events.stream_version, events.global_position;
end;
$$;
comment on function app_private.append_events(text, text, bigint, jsonb, uuid) is
'Appends events (a JSON array of {event_id?, type, data, metadata, schema_version?}) to a stream.
expected_version: null = any, 0 = the stream must not exist yet, n = the stream must be at version n.
A stale expectation raises LFVER naming the current version and writes nothing; re-appending the same event
ids returns the original result; an empty array is a no-op; an archived stream raises LFARC.
Sends a wake-up NOTIFY on linkflow_events (only while no other appending transaction holds the notify gate, advisory lock 41004/0) unless the setting linkflow.events_notify is off.
Called by the domain functions in the same transaction as their state change.';

------------------------------------------------------------------------------------------------------------
-- Reads
------------------------------------------------------------------------------------------------------------
create function app_private.read_all_events(
  after_transaction_id xid8 default '0',
  after_position bigint default 0,
  max_count integer default 1000,
  types text[] default null,
  stream_types text[] default null
) returns setof app_public.events
  language sql stable
  set search_path = pg_catalog
as $$
  select e.*
    from app_public.events e
   where (e.transaction_id, e.global_position) > (coalesce(after_transaction_id, '0'::xid8), coalesce(after_position, 0))
     and e.transaction_id < pg_catalog.pg_snapshot_xmin(pg_catalog.pg_current_snapshot())
     and (types is null or e.type = any (types))
     and (stream_types is null or e.stream_type = any (stream_types))
   order by e.transaction_id, e.global_position
   limit least(greatest(coalesce(max_count, 1000), 1), 10000);
$$;
comment on function app_private.read_all_events(xid8, bigint, integer, text[], text[]) is
'The global read: events after the checkpoint (after_transaction_id, after_position), in (transaction_id,
global_position) order, at most max_count (1..10000), optionally only some types or stream types. Only
transactions older than the current snapshot''s xmin are exposed, so a reader never skips an event committed
out of order and never sees one twice: checkpoint on the pair of the last row read. A long-open writing
transaction anywhere in the cluster holds readers back (see app_private.event_store_horizon()).';

create function app_private.read_stream_events(
  stream_id text,
  from_version bigint default null,
  max_count integer default 1000,
  backwards boolean default false
) returns setof app_public.events
  language sql stable
  set search_path = pg_catalog
as $$
  (select e.* from app_public.events e
    where not backwards and e.stream_id = read_stream_events.stream_id
      and e.stream_version >= coalesce(from_version, 1)
    order by e.stream_version
    limit least(greatest(coalesce(max_count, 1000), 1), 10000))
  union all
  (select e.* from app_public.events e
    where backwards and e.stream_id = read_stream_events.stream_id
      and e.stream_version <= coalesce(from_version, 9223372036854775807)
    order by e.stream_version desc
    limit least(greatest(coalesce(max_count, 1000), 1), 10000));
$$;
comment on function app_private.read_stream_events(text, bigint, integer, boolean) is
'One stream''s events: forwards from from_version (default 1, inclusive) or, with backwards, from from_version
(default: the end, inclusive) down to 1; at most max_count (1..10000).';

create function app_private.event_store_horizon(
  out snapshot_xmin xid8,
  out next_xid xid8,
  out oldest_running_xid_age bigint,
  out oldest_writer_seconds double precision,
  out oldest_writer_pid integer
) returns record
  language sql stable
  set search_path = pg_catalog
as $$
  select pg_snapshot_xmin(s), pg_snapshot_xmax(s),
         (pg_snapshot_xmax(s)::text::bigint - pg_snapshot_xmin(s)::text::bigint),
         (select extract(epoch from clock_timestamp() - a.xact_start)::double precision
            from pg_stat_activity a where a.backend_xid is not null order by a.xact_start limit 1),
         (select a.pid from pg_stat_activity a where a.backend_xid is not null order by a.xact_start limit 1)
    from (select pg_current_snapshot() as s) x;
$$;
comment on function app_private.event_store_horizon() is
'The event store''s visibility horizon: the snapshot xmin (events of transactions at or after it are not yet
readable), the next xid, the age in xids of the oldest running transaction (0 when none), and - when the
caller may see other sessions (pg_monitor / pg_read_all_stats) - how long the oldest writer has been open and
its pid. A large age means a long-open writer is delaying every projection.';

create view app_private.event_store_horizon_metrics as
  select h.snapshot_xmin::text as snapshot_xmin, h.oldest_running_xid_age, h.oldest_writer_seconds, h.oldest_writer_pid
    from app_private.event_store_horizon() h;
comment on view app_private.event_store_horizon_metrics is 'One row: app_private.event_store_horizon() for metric scrapers (oldest running xid age).';

------------------------------------------------------------------------------------------------------------
-- Erasure: the only path that changes an event.
------------------------------------------------------------------------------------------------------------
create table app_private.event_personal_data_fields (
  event_type text not null constraint event_personal_data_fields_type_length check (char_length(event_type) between 1 and 200),
  field text not null constraint event_personal_data_fields_field_length check (char_length(field) between 1 and 200),
  constraint event_personal_data_fields_pkey primary key (event_type, field)
);
alter table app_private.event_personal_data_fields enable row level security;
comment on table app_private.event_personal_data_fields is 'Top-level data keys that hold personal data, per event type ("*" = every type): erasure replaces their values.';
insert into app_private.event_personal_data_fields (event_type, field) values
  ('*', 'email'), ('*', 'user_name'), ('*', 'ip_address'), ('*', 'user_agent');

create function app_private.erase_event_personal_data(user_id uuid, reason text default 'erasure request')
  returns bigint
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  n bigint;
begin
  if user_id is null then
    raise exception 'user_id is required' using errcode = 'LFVAL', detail = 'field: user_id';
  end if;
  perform set_config('linkflow.allow_event_erasure', 'on', true);
  with target as (
    select e.global_position from app_public.events e
     where e.metadata->>'actor' = user_id::text
        or e.data->>'user_id' = user_id::text
        or e.data->>'actor_id' = user_id::text
        or e.data->>'author_id' = user_id::text
        or e.data->>'created_by' = user_id::text
  )
  update app_public.events e
     set metadata = (case when e.metadata->>'actor' = user_id::text then jsonb_set(e.metadata, '{actor}', 'null') else e.metadata end)
                    || jsonb_build_object('erased', jsonb_build_object('at', now(), 'reason', reason)),
         data = (select coalesce(jsonb_object_agg(d.key,
                    case when d.value = to_jsonb(user_id::text) then 'null'::jsonb
                         when exists (select 1 from app_private.event_personal_data_fields f
                                       where f.field = d.key and f.event_type in ('*', e.type)) then to_jsonb('[erased]'::text)
                         else d.value end), '{}'::jsonb)
                   from jsonb_each(e.data) d)
    from target t
   where e.global_position = t.global_position and jsonb_typeof(e.data) = 'object';
  get diagnostics n = row_count;
  perform set_config('linkflow.allow_event_erasure', 'off', true);
  return n;
end;
$$;
comment on function app_private.erase_event_personal_data(uuid, text) is
'Redacts a person''s data from the event log (the only allowed UPDATE of events): in every event whose actor
or user/actor/author/created_by field is the user, the actor becomes null, values equal to the user id become
null, the personal fields listed in app_private.event_personal_data_fields become "[erased]", and
metadata.erased records when and why. Returns the number of events redacted. Types, order and ids stay.';

------------------------------------------------------------------------------------------------------------
-- Projection bookkeeping
------------------------------------------------------------------------------------------------------------
create table app_private.projection_checkpoints (
  name text primary key constraint projection_checkpoints_name_shape check (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  transaction_id xid8 not null default '0',
  global_position bigint not null default 0,
  events_processed bigint not null default 0,
  last_event_at timestamptz,
  rebuilt_at timestamptz,
  updated_at timestamptz not null default now()
);
alter table app_private.projection_checkpoints enable row level security;
comment on table app_private.projection_checkpoints is 'Where each projection is in the global event order: the (transaction_id, global_position) of the last event it applied. Moved in the same transaction as the read-model writes.';

create table app_private.projection_rebuilds (
  name text primary key constraint projection_rebuilds_name_shape check (name ~ '^[a-z][a-z0-9_]{0,62}$'),
  transaction_id xid8 not null default '0',
  global_position bigint not null default 0,
  events_processed bigint not null default 0,
  last_event_at timestamptz,
  started_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table app_private.projection_rebuilds enable row level security;
comment on table app_private.projection_rebuilds is 'The checkpoint of a rebuild in progress (blue/green): the projection replays into its shadow tables; on swap this becomes the live checkpoint and the row goes away.';

create table app_private.projection_dead_letters (
  id bigint generated always as identity primary key,
  projection text not null,
  global_position bigint not null,
  transaction_id xid8 not null,
  event_id uuid not null,
  stream_id text not null,
  type text not null,
  error text not null,
  sqlstate text,
  attempts integer not null default 1,
  first_failed_at timestamptz not null default now(),
  last_failed_at timestamptz not null default now(),
  constraint projection_dead_letters_projection_global_position_key unique (projection, global_position)
);
alter table app_private.projection_dead_letters enable row level security;
comment on table app_private.projection_dead_letters is 'Events a projection could not apply (poison events) with the error; the projection skipped them and kept going. Replay by rebuilding after a fix.';

create function app_private.projection_swap(tables text[]) returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  t text;
begin
  foreach t in array tables loop
    if t !~ '^[a-z][a-z0-9_]{0,50}$' or to_regclass('app_public.' || t) is null or to_regclass('app_private.' || t || '__shadow') is null then
      raise exception 'no read model % with a shadow table', t using errcode = 'LFVAL', detail = 'field: tables';
    end if;
    execute format('alter table app_public.%I rename to %I', t, t || '__retiring');
    execute format('alter table app_public.%I set schema app_private', t || '__retiring');
    execute format('alter table app_private.%I set schema app_public', t || '__shadow');
    execute format('alter table app_public.%I rename to %I', t || '__shadow', t);
    execute format('alter table app_private.%I rename to %I', t || '__retiring', t || '__shadow');
  end loop;
end;
$$;
comment on function app_private.projection_swap(text[]) is
'Blue/green swap: each app_public.<t> trades places with app_private.<t>__shadow (policies, grants, indexes and
comments travel with the tables). Run in the rebuild''s final transaction, so readers see the old model or the
complete new one, never a half-built one.';

create function app_private.projection_lag()
  returns table (projection text, events_behind bigint, lag_seconds double precision, events_processed bigint,
                 last_event_at timestamptz, checkpoint_updated_at timestamptz, rebuilding boolean, dead_letters bigint)
  language sql stable
  set search_path = pg_catalog
as $$
  select c.name,
         (select count(*) from app_public.events e
           where (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)),
         coalesce((select extract(epoch from clock_timestamp() - e.created_at)::double precision from app_public.events e
                    where (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)
                    order by e.transaction_id, e.global_position limit 1), 0),
         c.events_processed, c.last_event_at, c.updated_at,
         exists (select 1 from app_private.projection_rebuilds r where r.name = c.name),
         (select count(*) from app_private.projection_dead_letters d where d.projection = c.name)
    from app_private.projection_checkpoints c
   order by c.name;
$$;
comment on function app_private.projection_lag() is
'Per projection: events committed but not yet applied, lag in seconds (age of the oldest unapplied event, 0 when
caught up), totals, whether a rebuild is running and how many dead letters it has. Scraped by monitoring.';

create view app_private.projection_lag_metrics as select * from app_private.projection_lag();
comment on view app_private.projection_lag_metrics is 'app_private.projection_lag() as a view (per-projection lag in events and seconds).';

------------------------------------------------------------------------------------------------------------
-- Read models: plain tables in app_public (live) with an identical shadow in app_private (rebuild target).
------------------------------------------------------------------------------------------------------------
create table app_public.workflow_list (
  workflow_id uuid primary key,
  team_id uuid not null,
  name text,
  status text,
  version integer,
  stream_version bigint not null default 0,
  execution_count bigint not null default 0,
  succeeded_count bigint not null default 0,
  failed_count bigint not null default 0,
  cancelled_count bigint not null default 0,
  success_rate numeric generated always as (
    case when succeeded_count + failed_count > 0
         then round(succeeded_count::numeric / (succeeded_count + failed_count), 4) end) stored,
  last_execution_id uuid,
  last_execution_state text,
  last_execution_at timestamptz,
  last_execution_seq integer not null default 0,
  created_at timestamptz,
  updated_at timestamptz
);
comment on table app_public.workflow_list is E'@behavior -insert -update -delete\nRead model (projection workflow_list): one row per workflow with its name, status and version, the last execution''s state and execution counts; success_rate = succeeded / (succeeded + failed, timed out or crashed). Built from events; eventually consistent.';
comment on column app_public.workflow_list.stream_version is 'The workflow stream version last applied (guards against reordered events).';
create index workflow_list_team_id_updated_at_idx on app_public.workflow_list (team_id, updated_at desc, workflow_id);
create index workflow_list_team_id_name_idx on app_public.workflow_list (team_id, name);
create index workflow_list_team_id_status_idx on app_public.workflow_list (team_id, status);
create index workflow_list_last_execution_id_idx on app_public.workflow_list (last_execution_id);

create table app_public.workflow_execution_daily_stats (
  workflow_id uuid not null,
  day date not null,
  team_id uuid not null,
  created_count bigint not null default 0,
  succeeded_count bigint not null default 0,
  failed_count bigint not null default 0,
  cancelled_count bigint not null default 0,
  finished_count bigint not null default 0,
  total_duration_ms bigint not null default 0,
  max_duration_ms bigint,
  updated_at timestamptz not null default now(),
  constraint workflow_execution_daily_stats_pkey primary key (workflow_id, day)
);
comment on table app_public.workflow_execution_daily_stats is E'@behavior -insert -update -delete\nRead model (projection execution_daily_stats): per workflow and UTC day, executions created that day and executions finished that day by outcome, with their total and maximum duration. Built from events.';
create index workflow_execution_daily_stats_team_id_day_idx on app_public.workflow_execution_daily_stats (team_id, day desc);

create table app_public.team_activity (
  id bigint primary key,
  team_id uuid not null,
  occurred_at timestamptz not null,
  event_id uuid not null,
  event_type text not null,
  stream_id text not null,
  subject_id uuid,
  workflow_id uuid,
  actor_id uuid,
  summary text not null
);
comment on table app_public.team_activity is E'@behavior -insert -update -delete\nRead model (projection team_activity): the team''s activity feed, one row per workflow or execution event (id is the event''s global position). Built from events.';
create index team_activity_team_id_occurred_at_idx on app_public.team_activity (team_id, occurred_at desc, id desc);
create index team_activity_workflow_id_idx on app_public.team_activity (workflow_id, occurred_at desc);

create table app_private.workflow_list__shadow (like app_public.workflow_list including all);
create table app_private.workflow_execution_daily_stats__shadow (like app_public.workflow_execution_daily_stats including all);
create table app_private.team_activity__shadow (like app_public.team_activity including all);
comment on table app_private.workflow_list__shadow is E'@behavior -insert -update -delete\nRead model (projection workflow_list): one row per workflow with its name, status and version, the last execution''s state and execution counts; success_rate = succeeded / (succeeded + failed, timed out or crashed). Built from events; eventually consistent.';
comment on table app_private.workflow_execution_daily_stats__shadow is E'@behavior -insert -update -delete\nRead model (projection execution_daily_stats): per workflow and UTC day, executions created that day and executions finished that day by outcome, with their total and maximum duration. Built from events.';
comment on table app_private.team_activity__shadow is E'@behavior -insert -update -delete\nRead model (projection team_activity): the team''s activity feed, one row per workflow or execution event (id is the event''s global position). Built from events.';

alter table app_public.workflow_list enable row level security;
alter table app_public.workflow_execution_daily_stats enable row level security;
alter table app_public.team_activity enable row level security;
alter table app_private.workflow_list__shadow enable row level security;
alter table app_private.workflow_execution_daily_stats__shadow enable row level security;
alter table app_private.team_activity__shadow enable row level security;
create policy select_member on app_public.workflow_list for select using (team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.workflow_execution_daily_stats for select using (team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_public.team_activity for select using (team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_private.workflow_list__shadow for select using (team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_private.workflow_execution_daily_stats__shadow for select using (team_id in (select app_hidden.current_user_team_ids()));
create policy select_member on app_private.team_activity__shadow for select using (team_id in (select app_hidden.current_user_team_ids()));
grant select on app_public.workflow_list, app_public.workflow_execution_daily_stats, app_public.team_activity,
  app_private.workflow_list__shadow, app_private.workflow_execution_daily_stats__shadow, app_private.team_activity__shadow
  to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Projection handlers (set-based, one statement group per batch). Arguments: the target table (live or
-- shadow) and the batch range (from, to] in (transaction_id, global_position) order.
------------------------------------------------------------------------------------------------------------
create function app_private.project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint)
  returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  -- 1. execution counters and the newest execution created in the batch
  execute format($q$
    with ev as (
      select e.global_position as pos, e.type, e.data, e.team_id
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type in ('ExecutionCreated', 'ExecutionStateChanged')
    ), agg as (
      select (data->>'workflow_id')::uuid as wid, (max(coalesce(data->>'team_id', team_id::text)))::uuid as team_id,
             count(*) filter (where type = 'ExecutionCreated') as created,
             count(*) filter (where type = 'ExecutionStateChanged' and data->>'to_state' = 'succeeded') as succeeded,
             count(*) filter (where type = 'ExecutionStateChanged' and data->>'to_state' in ('failed', 'timed_out', 'crashed')) as failed,
             count(*) filter (where type = 'ExecutionStateChanged' and data->>'to_state' = 'cancelled') as cancelled
        from ev group by 1
    ), newest as (
      select distinct on ((data->>'workflow_id')::uuid) (data->>'workflow_id')::uuid as wid,
             (data->>'execution_id')::uuid as eid, (data->>'created_at')::timestamptz as at, data->>'state' as state
        from ev where type = 'ExecutionCreated'
       order by (data->>'workflow_id')::uuid, (data->>'created_at')::timestamptz desc, pos desc
    )
    insert into %1$s as t (workflow_id, team_id, execution_count, succeeded_count, failed_count, cancelled_count,
                           last_execution_id, last_execution_at, last_execution_state, last_execution_seq)
    select a.wid, a.team_id, a.created, a.succeeded, a.failed, a.cancelled, n.eid, n.at, n.state, 0
      from agg a left join newest n on n.wid = a.wid
     where a.wid is not null
    on conflict (workflow_id) do update set
      execution_count = t.execution_count + excluded.execution_count,
      succeeded_count = t.succeeded_count + excluded.succeeded_count,
      failed_count = t.failed_count + excluded.failed_count,
      cancelled_count = t.cancelled_count + excluded.cancelled_count,
      last_execution_id = case when excluded.last_execution_at >= coalesce(t.last_execution_at, '-infinity') then excluded.last_execution_id else t.last_execution_id end,
      last_execution_state = case when excluded.last_execution_at >= coalesce(t.last_execution_at, '-infinity') then excluded.last_execution_state else t.last_execution_state end,
      last_execution_seq = case when excluded.last_execution_at >= coalesce(t.last_execution_at, '-infinity') then 0 else t.last_execution_seq end,
      last_execution_at = greatest(excluded.last_execution_at, t.last_execution_at)
  $q$, target) using from_tx, from_pos, to_tx, to_pos;

  -- 2. the last execution's newest state
  execute format($q$
    with last_move as (
      select distinct on ((e.data->>'execution_id')::uuid) (e.data->>'execution_id')::uuid as eid,
             e.data->>'to_state' as state, (e.data->>'seq')::integer as seq
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type = 'ExecutionStateChanged'
       order by (e.data->>'execution_id')::uuid, (e.data->>'seq')::integer desc
    )
    update %1$s t set last_execution_state = m.state, last_execution_seq = m.seq
      from last_move m
     where t.last_execution_id = m.eid and m.seq > t.last_execution_seq
  $q$, target) using from_tx, from_pos, to_tx, to_pos;

  -- 3. workflow state, guarded by stream version: the newest full state (created/saved), then a newer status
  -- change, then deletion
  execute format($q$
    insert into %1$s as t (workflow_id, team_id, name, status, version, stream_version, created_at, updated_at)
    select distinct on ((e.data->>'workflow_id')::uuid) (e.data->>'workflow_id')::uuid, coalesce((e.data->>'team_id')::uuid, e.team_id),
           e.data->>'name', e.data->>'status', (e.data->>'version')::integer, e.stream_version,
           min(e.created_at) filter (where e.type = 'WorkflowCreated') over (partition by (e.data->>'workflow_id')::uuid), e.created_at
      from app_public.events e
     where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
       and e.type in ('WorkflowCreated', 'WorkflowSaved')
     order by (e.data->>'workflow_id')::uuid, e.stream_version desc
    on conflict (workflow_id) do update set
      name = excluded.name, status = excluded.status, version = excluded.version, stream_version = excluded.stream_version,
      created_at = coalesce(t.created_at, excluded.created_at), updated_at = excluded.updated_at
    where t.stream_version < excluded.stream_version
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
  execute format($q$
    with st as (
      select distinct on ((e.data->>'workflow_id')::uuid) (e.data->>'workflow_id')::uuid as wid, e.data, e.stream_version as sv, e.created_at
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type = 'WorkflowStatusChanged'
       order by (e.data->>'workflow_id')::uuid, e.stream_version desc
    )
    update %1$s t set status = st.data->>'status', version = coalesce((st.data->>'version')::integer, t.version),
           stream_version = st.sv, updated_at = st.created_at
      from st where t.workflow_id = st.wid and t.stream_version < st.sv
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
  execute format($q$
    delete from %1$s t using app_public.events e
     where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
       and e.type = 'WorkflowDeleted' and t.workflow_id = (e.data->>'workflow_id')::uuid
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
end;
$$;
comment on function app_private.project_workflow_list(regclass, xid8, bigint, xid8, bigint) is
'Projection handler of workflow_list: applies the events in the range (from, to] to target (the live table or its shadow), set-based.';

create function app_private.project_execution_daily_stats(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint)
  returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  execute format($q$
    with ev as (
      select (e.data->>'workflow_id')::uuid as wid, coalesce((e.data->>'team_id')::uuid, e.team_id) as team_id, e.type,
             (((case when e.type = 'ExecutionCreated' then e.data->>'created_at' else e.data->>'at' end)::timestamptz) at time zone 'UTC')::date as day,
             e.data->>'to_state' as to_state, (e.data->>'duration_ms')::bigint as duration_ms
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and (e.type = 'ExecutionCreated'
              or (e.type = 'ExecutionStateChanged' and e.data->>'to_state' in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')))
    )
    insert into %1$s as t (workflow_id, day, team_id, created_count, succeeded_count, failed_count, cancelled_count,
                           finished_count, total_duration_ms, max_duration_ms, updated_at)
    select wid, day, (max(team_id::text))::uuid,
           count(*) filter (where type = 'ExecutionCreated'),
           count(*) filter (where to_state = 'succeeded'),
           count(*) filter (where to_state in ('failed', 'timed_out', 'crashed')),
           count(*) filter (where to_state = 'cancelled'),
           count(*) filter (where type = 'ExecutionStateChanged'),
           coalesce(sum(duration_ms) filter (where type = 'ExecutionStateChanged'), 0),
           max(duration_ms) filter (where type = 'ExecutionStateChanged'),
           now()
      from ev where wid is not null and day is not null group by wid, day
    on conflict (workflow_id, day) do update set
      created_count = t.created_count + excluded.created_count,
      succeeded_count = t.succeeded_count + excluded.succeeded_count,
      failed_count = t.failed_count + excluded.failed_count,
      cancelled_count = t.cancelled_count + excluded.cancelled_count,
      finished_count = t.finished_count + excluded.finished_count,
      total_duration_ms = t.total_duration_ms + excluded.total_duration_ms,
      max_duration_ms = greatest(t.max_duration_ms, excluded.max_duration_ms),
      updated_at = excluded.updated_at
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
end;
$$;
comment on function app_private.project_execution_daily_stats(regclass, xid8, bigint, xid8, bigint) is
'Projection handler of execution_daily_stats: counts executions created (by created_at day) and finished (by the terminal transition''s day, with durations) per workflow and UTC day.';

create function app_private.project_team_activity(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint)
  returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  execute format($q$
    insert into %1$s (id, team_id, occurred_at, event_id, event_type, stream_id, subject_id, workflow_id, actor_id, summary)
    select e.global_position, coalesce((e.data->>'team_id')::uuid, e.team_id), e.created_at, e.event_id, e.type, e.stream_id,
           coalesce(e.data->>'execution_id', e.data->>'workflow_id')::uuid,
           (e.data->>'workflow_id')::uuid,
           nullif(e.metadata->>'actor', '')::uuid,
           case e.type
             when 'WorkflowCreated' then format('Workflow "%%s" created', e.data->>'name')
             when 'WorkflowSaved' then format('Workflow "%%s" saved as version %%s', e.data->>'name', e.data->>'version')
             when 'WorkflowStatusChanged' then format('Workflow status changed from %%s to %%s', e.data->>'previous_status', e.data->>'status')
             when 'WorkflowDeleted' then 'Workflow deleted'
             when 'ExecutionCreated' then format('Execution created (%%s trigger)', e.data->>'trigger_type')
             else format('Execution moved from %%s to %%s', e.data->>'from_state', e.data->>'to_state')
           end
      from app_public.events e
     where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
       and e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged', 'WorkflowDeleted', 'ExecutionCreated', 'ExecutionStateChanged')
       and coalesce((e.data->>'team_id')::uuid, e.team_id) is not null
    on conflict (id) do nothing
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
end;
$$;
comment on function app_private.project_team_activity(regclass, xid8, bigint, xid8, bigint) is
'Projection handler of team_activity: one feed row per workflow or execution event of a team.';

------------------------------------------------------------------------------------------------------------
-- Drift: read models compared with the source tables.
------------------------------------------------------------------------------------------------------------
create function app_private.read_model_drift()
  returns table (read_model text, key text, problem text, expected text, actual text)
  language sql stable
  set search_path = pg_catalog
as $$
  -- workflow_list vs workflows
  select 'workflow_list', w.id::text, 'missing', w.name, null
    from app_public.workflows w
   where not exists (select 1 from app_public.workflow_list l where l.workflow_id = w.id)
  union all
  select 'workflow_list', l.workflow_id::text, 'orphan', null, l.name
    from app_public.workflow_list l
   where l.name is not null and not exists (select 1 from app_public.workflows w where w.id = l.workflow_id)
  union all
  select 'workflow_list', w.id::text, 'fields',
         concat_ws('/', w.name, w.status, w.current_version, w.team_id), concat_ws('/', l.name, l.status, l.version, l.team_id)
    from app_public.workflows w join app_public.workflow_list l on l.workflow_id = w.id
   where (w.name, w.status, w.current_version, w.team_id) is distinct from (l.name, l.status, l.version, l.team_id)
  union all
  select 'workflow_list', x.workflow_id::text, 'execution_counts',
         concat_ws('/', x.total, x.succeeded, x.failed, x.cancelled),
         concat_ws('/', l.execution_count, l.succeeded_count, l.failed_count, l.cancelled_count)
    from (select e.workflow_id, count(*) as total,
                 count(*) filter (where e.state = 'succeeded') as succeeded,
                 count(*) filter (where e.state in ('failed', 'timed_out', 'crashed')) as failed,
                 count(*) filter (where e.state = 'cancelled') as cancelled
            from app_public.executions e group by e.workflow_id) x
    join app_public.workflow_list l on l.workflow_id = x.workflow_id
   where (x.total, x.succeeded, x.failed, x.cancelled) is distinct from (l.execution_count, l.succeeded_count, l.failed_count, l.cancelled_count)
  union all
  -- workflow_execution_daily_stats vs executions (created per day)
  select 'workflow_execution_daily_stats', concat(coalesce(x.workflow_id, s.workflow_id), '@', coalesce(x.day, s.day)), 'created_count',
         coalesce(x.n, 0)::text, coalesce(s.created_count, 0)::text
    from (select e.workflow_id, (e.created_at at time zone 'UTC')::date as day, count(*) as n
            from app_public.executions e group by 1, 2) x
    full join (select * from app_public.workflow_execution_daily_stats where created_count > 0) s
      on s.workflow_id = x.workflow_id and s.day = x.day
   where coalesce(x.n, 0) <> coalesce(s.created_count, 0)
     and (x.workflow_id is null or exists (select 1 from app_public.workflows w where w.id = x.workflow_id))
     and (s.workflow_id is null or exists (select 1 from app_public.workflows w where w.id = s.workflow_id))
  union all
  -- team_activity vs the event log
  select 'team_activity', coalesce(t.team_id, a.team_id)::text, 'row_count', coalesce(t.n, 0)::text, coalesce(a.n, 0)::text
    from (select coalesce((e.data->>'team_id')::uuid, e.team_id) as team_id, count(*) as n from app_public.events e
           where e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged', 'WorkflowDeleted', 'ExecutionCreated', 'ExecutionStateChanged')
             and e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
             and not exists (select 1 from app_private.projection_dead_letters d where d.projection = 'team_activity' and d.global_position = e.global_position)
           group by 1) t
    full join (select team_id, count(*) as n from app_public.team_activity group by 1) a on a.team_id = t.team_id
   where coalesce(t.n, 0) <> coalesce(a.n, 0) and coalesce(t.team_id, a.team_id) is not null;
$$;
comment on function app_private.read_model_drift() is
'Differences between the read models and their sources: workflows missing from or orphaned in workflow_list,
differing name/status/version/team, differing execution counts; daily created counts that differ from
executions; team_activity row counts that differ from the event log. Empty when consistent (run it when the
projections are caught up; rows of a lagging projection show as drift).';
