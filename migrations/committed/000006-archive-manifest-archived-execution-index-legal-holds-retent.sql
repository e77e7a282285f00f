--! Previous: sha1:3e81f91aa32ff875886abd928a301b470dbaa1a9
--! Hash: sha1:164194534ecf9b4ddcefb51d4b5104d11fa26e72
--! Message: archive: manifest, archived execution index, legal holds, retention, restore and erasure

------------------------------------------------------------------------------------------------------------
-- Archival of old executions to cold storage (issue 8). See docs/archive.md.
-- Everything here is owner-only (app_private): the archiver, retrieval and compliance run as the owner.
------------------------------------------------------------------------------------------------------------

create table app_private.archive_retention (
  team_id uuid primary key references app_public.teams (id) on delete cascade,
  hot_days integer constraint archive_retention_hot_days_range check (hot_days between 1 and 3650),
  cold_days integer constraint archive_retention_cold_days_range check (cold_days between 1 and 36500),
  updated_at timestamptz not null default now()
);
alter table app_private.archive_retention enable row level security;
comment on table app_private.archive_retention is 'Per-team override of the archive retentions: hot_days (how long terminal executions stay in the hot tables, default 30) and cold_days (how long archive files are kept, default 365). Null means the default.';

create table app_private.legal_holds (
  id uuid primary key default app_public.uuid_generate_v7(),
  team_id uuid not null references app_public.teams (id) on delete cascade,
  workflow_id uuid,
  execution_id uuid,
  reason text not null constraint legal_holds_reason_length check (char_length(reason) between 1 and 2000),
  created_by uuid,
  created_at timestamptz not null default now(),
  released_at timestamptz,
  constraint legal_holds_one_scope check (workflow_id is null or execution_id is null),
  constraint legal_holds_released_after_created check (released_at is null or released_at >= created_at)
);
alter table app_private.legal_holds enable row level security;
comment on table app_private.legal_holds is 'Legal holds: on a whole team (workflow_id and execution_id null), one workflow or one execution. An active hold (released_at null) blocks archiving, hot deletion, cold expiry and erasure of the covered executions. workflow_id, execution_id and created_by are audit values without foreign keys: a hold outlives what it names.';
create index legal_holds_team_id_idx on app_private.legal_holds (team_id) where released_at is null;
create index legal_holds_workflow_id_idx on app_private.legal_holds (workflow_id) where released_at is null and workflow_id is not null;
create index legal_holds_execution_id_idx on app_private.legal_holds (execution_id) where released_at is null and execution_id is not null;

create table app_private.archive_batches (
  id uuid primary key default app_public.uuid_generate_v7(),
  team_id uuid not null,
  day date not null,
  batch_no integer not null constraint archive_batches_batch_no_positive check (batch_no >= 1),
  key text not null,
  generation integer not null default 0 constraint archive_batches_generation_non_negative check (generation >= 0),
  state text not null default 'planned' constraint archive_batches_state_known check (state in
    ('planned', 'uploaded', 'verified', 'deleted', 'restored', 'expired', 'erased')),
  min_created_at timestamptz not null,
  max_created_at timestamptz not null,
  row_count integer not null constraint archive_batches_row_count_positive check (row_count >= 1),
  transition_count integer,
  node_run_count integer,
  pg_bytes bigint,
  bytes bigint,
  sha256 text constraint archive_batches_sha256_shape check (sha256 ~ '^[0-9a-f]{64}$'),
  encrypted boolean not null default false,
  actor_ids uuid[] not null default '{}',
  planned_at timestamptz not null default now(),
  uploaded_at timestamptz,
  verified_at timestamptz,
  deleted_at timestamptz,
  restored_at timestamptz,
  expired_at timestamptz,
  erased_at timestamptz,
  updated_at timestamptz not null default now(),
  constraint archive_batches_key_key unique (key),
  constraint archive_batches_team_id_day_batch_no_key unique (team_id, day, batch_no),
  constraint archive_batches_time_range check (max_created_at >= min_created_at),
  constraint archive_batches_uploaded_has_file check (state not in ('uploaded', 'verified', 'deleted') or (bytes is not null and sha256 is not null))
);
alter table app_private.archive_batches enable row level security;
comment on table app_private.archive_batches is 'The archive manifest: one row per batch file (key, team, day, time range, row counts, bytes, sha256, PostgreSQL bytes of the same rows). state is the crash-safe state machine planned -> uploaded -> verified -> deleted (hot rows gone: served from cold), then restored / expired (file deleted, entry kept) / erased. team_id has no foreign key: manifest entries outlive teams.';
create index archive_batches_state_idx on app_private.archive_batches (state, team_id, day);
create index archive_batches_actor_ids_idx on app_private.archive_batches using gin (actor_ids);

create table app_private.archived_executions (
  execution_id uuid primary key,
  created_at timestamptz not null,
  batch_id uuid not null references app_private.archive_batches (id) on delete cascade,
  row_no integer not null constraint archived_executions_row_no_non_negative check (row_no >= 0),
  team_id uuid not null,
  workflow_id uuid not null,
  state text not null,
  constraint archived_executions_batch_id_row_no_key unique (batch_id, row_no)
);
alter table app_private.archived_executions enable row level security;
comment on table app_private.archived_executions is 'Index from an archived execution id to its batch and row (rows are written newest first), with the columns list queries filter on so hot+cold queries page keys in SQL and read only the needed rows of the needed files.';
create index archived_executions_team_id_created_at_idx on app_private.archived_executions (team_id, created_at desc, execution_id desc);
create index archived_executions_workflow_id_created_at_idx on app_private.archived_executions (workflow_id, created_at desc, execution_id desc);
create index archived_executions_state_idx on app_private.archived_executions (team_id, state, created_at desc);

create table app_private.archive_restored_executions (
  execution_id uuid primary key,
  batch_id uuid not null references app_private.archive_batches (id) on delete cascade,
  keep_until timestamptz not null
);
alter table app_private.archive_restored_executions enable row level security;
comment on table app_private.archive_restored_executions is 'Executions restored from a batch into the hot tables: the archiver leaves them hot until keep_until.';
create index archive_restored_executions_batch_id_idx on app_private.archive_restored_executions (batch_id);

create table app_private.archive_object_deletions (
  key text primary key,
  reason text not null,
  enqueued_at timestamptz not null default now()
);
alter table app_private.archive_object_deletions enable row level security;
comment on table app_private.archive_object_deletions is 'Objects to delete from the archive store (expired, restored, erased or superseded files). Enqueued in the transaction that changes the manifest, deleted afterwards: a crash in between leaves the key here, never an orphan.';

------------------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------------------
create function app_private.archive_event(team_id uuid, type text, data jsonb) returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  perform 1 from app_private.append_events(
    'archive-' || archive_event.team_id::text, 'archive', null,
    jsonb_build_array(jsonb_build_object('type', archive_event.type, 'data', data || jsonb_build_object('team_id', archive_event.team_id),
      'metadata', jsonb_build_object('actor', app_public.current_user_id()))),
    (select t.id from app_public.teams t where t.id = archive_event.team_id));
end;
$$;
comment on function app_private.archive_event(uuid, text, jsonb) is 'Appends one event of an archive action to the stream archive-<team> (stream_type archive).';

create function app_private.archive_is_held(team_id uuid, workflow_id uuid, execution_id uuid) returns boolean
  language sql stable parallel safe
  set search_path = pg_catalog
as $$
  select exists (
    select 1 from app_private.legal_holds h
     where h.released_at is null and h.team_id = archive_is_held.team_id
       and (h.workflow_id is null and h.execution_id is null
            or h.workflow_id = archive_is_held.workflow_id
            or h.execution_id = archive_is_held.execution_id));
$$;
comment on function app_private.archive_is_held(uuid, uuid, uuid) is 'True when an active legal hold covers the execution (through its team, its workflow or itself).';

create function app_private.archive_batch_is_held(batch_id uuid) returns boolean
  language sql stable
  set search_path = pg_catalog
as $$
  select exists (
    select 1 from app_private.archived_executions a
     where a.batch_id = archive_batch_is_held.batch_id
       and app_private.archive_is_held(a.team_id, a.workflow_id, a.execution_id));
$$;
comment on function app_private.archive_batch_is_held(uuid) is 'True when an active legal hold covers any execution of the batch.';

create function app_private.archive_iso(t timestamptz) returns text
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"');
$$;
comment on function app_private.archive_iso(timestamptz) is 'A timestamp as an ISO 8601 UTC string with microseconds: the one text form archived and hot documents share.';

create function app_private.archive_micros(t timestamptz) returns bigint
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select (extract(epoch from t) * 1000000)::bigint;
$$;
comment on function app_private.archive_micros(timestamptz) is 'Microseconds since the Unix epoch (exact): how archive files store timestamps (Parquet TIMESTAMP_MICROS).';

------------------------------------------------------------------------------------------------------------
-- Documents: the one shape of an execution with its transitions and node runs, hot or archived
------------------------------------------------------------------------------------------------------------
create function app_private.execution_documents(ids uuid[])
  returns table (
    id uuid, team_id uuid, workflow_id uuid, workflow_version integer, state text, trigger_type text, trigger_id uuid,
    input jsonb, output jsonb, error jsonb, attempt integer, idempotency_key text, version integer,
    created_at bigint, started_at bigint, finished_at bigint, duration_ms bigint, updated_at bigint,
    transitions jsonb, node_runs jsonb, pg_bytes bigint)
  language sql stable
  set search_path = pg_catalog
as $$
  with e as materialized (
    select x.* from app_public.executions x where x.id = any(ids)
  ), bounds as materialized (
    select min(e.created_at) as lo, max(e.created_at) as hi from e
  ), t as (
    select x.execution_id,
           jsonb_agg(jsonb_build_object('seq', x.seq, 'from_state', x.from_state, 'to_state', x.to_state,
             'at', app_private.archive_iso(x.at), 'actor_id', x.actor_id, 'reason', x.reason, 'details', x.details)
             order by x.seq) as docs,
           sum(pg_column_size(x.*))::bigint as bytes
      from app_public.execution_transitions x
     where x.execution_created_at >= (select lo from bounds) and x.execution_created_at <= (select hi from bounds)
       and x.execution_id in (select e.id from e)
     group by x.execution_id
  ), n as (
    select r.execution_id,
           jsonb_agg(jsonb_build_object('node_name', r.node_name, 'node_id', r.node_id, 'attempt', r.attempt,
             'status', r.status, 'started_at', app_private.archive_iso(r.started_at),
             'finished_at', app_private.archive_iso(r.finished_at), 'output', r.output, 'error', r.error)
             order by r.node_name, r.attempt) as docs,
           sum(pg_column_size(r.*))::bigint as bytes
      from app_public.execution_node_runs r
     where r.execution_created_at >= (select lo from bounds) and r.execution_created_at <= (select hi from bounds)
       and r.execution_id in (select e.id from e)
     group by r.execution_id
  )
  select e.id, e.team_id, e.workflow_id, e.workflow_version, e.state, e.trigger_type, e.trigger_id,
         e.input, e.output, e.error, e.attempt, e.idempotency_key, e.version,
         app_private.archive_micros(e.created_at), app_private.archive_micros(e.started_at),
         app_private.archive_micros(e.finished_at), e.duration_ms, app_private.archive_micros(e.updated_at),
         coalesce(t.docs, '[]'::jsonb), coalesce(n.docs, '[]'::jsonb),
         pg_column_size(e.*)::bigint + coalesce(t.bytes, 0) + coalesce(n.bytes, 0)
    from e
    left join t on t.execution_id = e.id
    left join n on n.execution_id = e.id
   order by e.created_at desc, e.id desc;
$$;
comment on function app_private.execution_documents(uuid[]) is 'Executions with their transitions and node runs (nested JSON, ordered), timestamps as exact epoch microseconds (top level) or ISO strings with microseconds (nested), newest first; pg_bytes is the PostgreSQL size of the rows (pg_column_size). What the archiver writes and hot reads return.';

------------------------------------------------------------------------------------------------------------
-- Archiver state machine
------------------------------------------------------------------------------------------------------------
create function app_private.archive_candidates(default_hot_days integer, terminal_before timestamptz default now())
  returns table (team_id uuid, day date, executions bigint)
  language sql stable
  set search_path = pg_catalog
as $$
  select e.team_id, (e.created_at at time zone 'UTC')::date, count(*)
    from app_public.executions e
    left join app_private.archive_retention r on r.team_id = e.team_id
   where e.state in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')
     and e.created_at < terminal_before - make_interval(days => coalesce(r.hot_days, default_hot_days))
     and not exists (select 1 from app_private.archived_executions a where a.execution_id = e.id)
     and not exists (select 1 from app_private.archive_restored_executions x where x.execution_id = e.id and x.keep_until > now())
     and not app_private.archive_is_held(e.team_id, e.workflow_id, e.id)
   group by 1, 2
   order by 2, 1;
$$;
comment on function app_private.archive_candidates(integer, timestamptz) is 'Teams and UTC days with terminal executions older than their hot retention (per-team override or default_hot_days) that are not archived, recently restored or under legal hold.';

create function app_private.archive_plan_batch(team_id uuid, day date, max_rows integer, default_hot_days integer,
    key_prefix text default 'executions', encrypted boolean default false)
  returns uuid
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_hot integer;
  v_no integer;
  v_id uuid;
  v_key text;
  v_count integer;
begin
  if max_rows is null or max_rows < 1 then
    raise exception 'max_rows must be positive' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  select coalesce(r.hot_days, default_hot_days) into v_hot from (select 1) one
    left join app_private.archive_retention r on r.team_id = archive_plan_batch.team_id;
  -- one planner per team at a time
  perform pg_advisory_xact_lock(hashtext('archive_plan:' || archive_plan_batch.team_id::text));
  create temporary table if not exists archive_plan_rows (id uuid, created_at timestamptz, workflow_id uuid, state text) on commit drop;
  truncate archive_plan_rows;
  insert into archive_plan_rows
  select e.id, e.created_at, e.workflow_id, e.state
    from app_public.executions e
   where e.team_id = archive_plan_batch.team_id
     and e.created_at >= day::timestamp at time zone 'UTC' and e.created_at < (day + 1)::timestamp at time zone 'UTC'
     and e.created_at < now() - make_interval(days => v_hot)
     and e.state in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')
     and not exists (select 1 from app_private.archived_executions a where a.execution_id = e.id)
     and not exists (select 1 from app_private.archive_restored_executions x where x.execution_id = e.id and x.keep_until > now())
     and not app_private.archive_is_held(e.team_id, e.workflow_id, e.id)
   order by e.created_at, e.id
   limit max_rows;
  get diagnostics v_count = row_count;
  if v_count = 0 then
    return null;
  end if;
  select coalesce(max(b.batch_no), 0) + 1 into v_no from app_private.archive_batches b
   where b.team_id = archive_plan_batch.team_id and b.day = archive_plan_batch.day;
  v_key := format('%s/team_id=%s/date=%s/%s.parquet', key_prefix, archive_plan_batch.team_id, to_char(day, 'YYYY-MM-DD'), lpad(v_no::text, 6, '0'));
  insert into app_private.archive_batches (team_id, day, batch_no, key, min_created_at, max_created_at, row_count, encrypted)
  select archive_plan_batch.team_id, archive_plan_batch.day, v_no, v_key, min(p.created_at), max(p.created_at), count(*), archive_plan_batch.encrypted
    from archive_plan_rows p
  returning id into v_id;
  insert into app_private.archived_executions (execution_id, created_at, batch_id, row_no, team_id, workflow_id, state)
  select p.id, p.created_at, v_id, (row_number() over (order by p.created_at desc, p.id desc) - 1)::integer,
         archive_plan_batch.team_id, p.workflow_id, p.state
    from archive_plan_rows p;
  perform app_private.archive_event(archive_plan_batch.team_id, 'ArchiveBatchPlanned',
    jsonb_build_object('batch_id', v_id, 'key', v_key, 'day', day, 'row_count', v_count));
  return v_id;
end;
$$;
comment on function app_private.archive_plan_batch(uuid, date, integer, integer, text, boolean) is 'Plans the next batch of a team''s day: up to max_rows eligible executions (terminal, older than the hot retention, not held, not archived) are assigned to a new manifest row (state planned, deterministic key <prefix>/team_id=<team>/date=<day>/<batch_no>.parquet) and indexed with their row number (newest first). Returns the batch id, or null when nothing is left.';

create function app_private.archive_mark_uploaded(batch_id uuid, bytes bigint, sha256 text, pg_bytes bigint,
    transition_count integer, node_run_count integer, actor_ids uuid[])
  returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  b app_private.archive_batches;
begin
  select * into b from app_private.archive_batches x where x.id = archive_mark_uploaded.batch_id for update;
  if not found then
    raise exception 'archive batch % not found', batch_id using errcode = 'LFNTF';
  end if;
  if b.state not in ('planned', 'uploaded') then
    raise exception 'archive batch % is %', batch_id, b.state using errcode = 'LFSTA', detail = format('current_state=%s', b.state);
  end if;
  update app_private.archive_batches x
     set state = 'uploaded', bytes = archive_mark_uploaded.bytes, sha256 = archive_mark_uploaded.sha256,
         pg_bytes = archive_mark_uploaded.pg_bytes, transition_count = archive_mark_uploaded.transition_count,
         node_run_count = archive_mark_uploaded.node_run_count, actor_ids = coalesce(archive_mark_uploaded.actor_ids, '{}'),
         uploaded_at = now(), updated_at = now()
   where x.id = b.id;
  perform app_private.archive_event(b.team_id, 'ArchiveBatchUploaded',
    jsonb_build_object('batch_id', b.id, 'key', b.key, 'bytes', bytes, 'sha256', sha256, 'pg_bytes', pg_bytes));
end;
$$;
comment on function app_private.archive_mark_uploaded(uuid, bigint, text, bigint, integer, integer, uuid[]) is 'Records that the batch file is stored (size, sha256, PostgreSQL bytes of the same rows, nested row counts, actors): planned -> uploaded. Re-recording an uploaded batch (after a re-upload) is allowed.';

create function app_private.archive_mark_verified(batch_id uuid, row_count integer, sha256 text)
  returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  b app_private.archive_batches;
begin
  select * into b from app_private.archive_batches x where x.id = archive_mark_verified.batch_id for update;
  if not found then
    raise exception 'archive batch % not found', batch_id using errcode = 'LFNTF';
  end if;
  if b.state <> 'uploaded' then
    raise exception 'archive batch % is %', batch_id, b.state using errcode = 'LFSTA', detail = format('current_state=%s', b.state);
  end if;
  if b.row_count <> archive_mark_verified.row_count or b.sha256 <> archive_mark_verified.sha256 then
    raise exception 'archive batch % failed verification', batch_id using errcode = 'LFVAL',
      detail = format('field: row_count expected %s/%s got %s/%s', b.row_count, b.sha256, row_count, sha256);
  end if;
  update app_private.archive_batches x set state = 'verified', verified_at = now(), updated_at = now() where x.id = b.id;
  perform app_private.archive_event(b.team_id, 'ArchiveBatchVerified',
    jsonb_build_object('batch_id', b.id, 'key', b.key, 'row_count', row_count, 'sha256', sha256));
end;
$$;
comment on function app_private.archive_mark_verified(uuid, integer, text) is 'Records that the stored file was read back with the manifest''s row count and sha256: uploaded -> verified.';

create function app_private.archive_delete_batch(batch_id uuid)
  returns boolean
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  b app_private.archive_batches;
  v_deleted integer;
begin
  select * into b from app_private.archive_batches x where x.id = archive_delete_batch.batch_id for update;
  if not found then
    raise exception 'archive batch % not found', batch_id using errcode = 'LFNTF';
  end if;
  if b.state = 'deleted' then
    return true;
  end if;
  if b.state <> 'verified' then
    raise exception 'archive batch % is %', batch_id, b.state using errcode = 'LFSTA', detail = format('current_state=%s', b.state);
  end if;
  if app_private.archive_batch_is_held(b.id) then
    return false;
  end if;
  -- transitions and node runs go with their execution (foreign keys on delete cascade)
  delete from app_public.executions e
   using app_private.archived_executions a
   where a.batch_id = b.id and e.id = a.execution_id and e.created_at = a.created_at
     and e.created_at >= b.min_created_at and e.created_at <= b.max_created_at;
  get diagnostics v_deleted = row_count;
  update app_private.archive_batches x set state = 'deleted', deleted_at = now(), updated_at = now() where x.id = b.id;
  perform app_private.archive_event(b.team_id, 'ArchiveBatchDeleted',
    jsonb_build_object('batch_id', b.id, 'key', b.key, 'mode', 'rows', 'hot_rows_deleted', v_deleted));
  return true;
end;
$$;
comment on function app_private.archive_delete_batch(uuid) is 'Deletes the hot rows of a verified batch (executions, with their transitions and node runs by cascade) and marks it deleted, in one transaction. Returns false (and deletes nothing) while a legal hold covers any of its executions.';

create function app_private.archive_drop_partitions(before_day date, max_days integer default 3)
  returns table (day date, batches integer)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_day date;
  v_part text;
  v_left bigint;
  v_ids uuid[];
  b record;
begin
  for v_day in
    select substring(c.relname from '_p(\d{8})$')::date as d
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'app_public.executions'::regclass and c.relname ~ '_p\d{8}$'
     order by 1
  loop
    exit when v_day >= before_day or coalesce(max_days, 3) <= 0;
    max_days := coalesce(max_days, 3) - 1;
    v_part := 'app_partitions.' || quote_ident(app_private.partition_name('app_public.executions'::regclass, v_day));
    -- every row must belong to a verified batch that no legal hold covers
    execute format($q$
      select count(*) from %s e
       where not exists (select 1 from app_private.archived_executions a
                           join app_private.archive_batches bb on bb.id = a.batch_id and bb.state = 'verified'
                          where a.execution_id = e.id)
          or app_private.archive_is_held(e.team_id, e.workflow_id, e.id)$q$, v_part) into v_left;
    exit when v_left > 0;
    execute format('select coalesce(array_agg(distinct a.batch_id), ''{}'') from %s e join app_private.archived_executions a on a.execution_id = e.id', v_part)
      into v_ids;
    -- a batch may span only this day (batches are per team and day), so all its rows are in this partition
    for b in select x.id, x.team_id, x.key from app_private.archive_batches x where x.id = any(v_ids) order by x.id for update loop
      update app_private.archive_batches x set state = 'deleted', deleted_at = now(), updated_at = now() where x.id = b.id;
      perform app_private.archive_event(b.team_id, 'ArchiveBatchDeleted',
        jsonb_build_object('batch_id', b.id, 'key', b.key, 'mode', 'partition', 'day', v_day));
    end loop;
    execute format('alter table app_public.execution_node_runs detach partition app_partitions.%I',
      app_private.partition_name('app_public.execution_node_runs'::regclass, v_day));
    execute format('drop table app_partitions.%I', app_private.partition_name('app_public.execution_node_runs'::regclass, v_day));
    execute format('alter table app_public.execution_transitions detach partition app_partitions.%I',
      app_private.partition_name('app_public.execution_transitions'::regclass, v_day));
    execute format('drop table app_partitions.%I', app_private.partition_name('app_public.execution_transitions'::regclass, v_day));
    execute format('alter table app_public.executions detach partition %s', v_part);
    execute format('drop table %s', v_part);
    day := v_day; batches := coalesce(array_length(v_ids, 1), 0);
    return next;
  end loop;
end;
$$;
comment on function app_private.archive_drop_partitions(date, integer) is 'From the oldest day forward (so no partition gap appears) and before before_day: when every execution of a day partition belongs to a verified, unheld batch, detaches and drops that day''s partitions of executions, execution_transitions and execution_node_runs and marks the batches deleted, instead of deleting rows. Stops at the first day that still holds other rows, or after max_days days (each dropped partition holds locks until commit: call again for more).';

create function app_private.archive_expire_batches(default_cold_days integer, max_batches integer default 1000)
  returns table (batch_id uuid, key text)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  b record;
begin
  for b in
    select x.id, x.team_id, x.key, x.max_created_at from app_private.archive_batches x
      left join app_private.archive_retention r on r.team_id = x.team_id
     where x.state = 'deleted'
       and x.max_created_at < now() - make_interval(days => coalesce(r.cold_days, default_cold_days))
     order by x.max_created_at
     limit max_batches
     for update of x skip locked
  loop
    continue when app_private.archive_batch_is_held(b.id);
    update app_private.archive_batches x set state = 'expired', expired_at = now(), updated_at = now() where x.id = b.id;
    insert into app_private.archive_object_deletions (key, reason) values (b.key, 'expired') on conflict do nothing;
    perform app_private.archive_event(b.team_id, 'ArchiveBatchExpired', jsonb_build_object('batch_id', b.id, 'key', b.key));
    batch_id := b.id; key := b.key;
    return next;
  end loop;
end;
$$;
comment on function app_private.archive_expire_batches(integer, integer) is 'Cold retention: batches whose newest execution is older than the team''s cold_days (default default_cold_days) and that no legal hold covers become expired; their files are queued for deletion; manifest entries (and the index) are kept.';

------------------------------------------------------------------------------------------------------------
-- Retrieval: hot+cold keys in one keyset order; restore
------------------------------------------------------------------------------------------------------------
create function app_private.archive_list_keys(
    team_id uuid, workflow_id uuid, state text, from_time timestamptz, to_time timestamptz,
    after_created_at timestamptz, after_id uuid, max_rows integer, include_cold boolean default true)
  returns table (id uuid, created_at timestamptz, batch_id uuid, row_no integer)
  language plpgsql stable
  set search_path = pg_catalog
as $$
begin
  if team_id is null and workflow_id is null then
    raise exception 'a team or a workflow is required' using errcode = 'LFVAL', detail = 'field: team_id';
  end if;
  if max_rows is null or max_rows < 1 or max_rows > 10000 then
    raise exception 'limit must be between 1 and 10000' using errcode = 'LFVAL', detail = 'field: limit';
  end if;
  return query
  (select e.id, e.created_at, null::uuid, null::integer
     from app_public.executions e
    where (archive_list_keys.team_id is null or e.team_id = archive_list_keys.team_id)
      and (archive_list_keys.workflow_id is null or e.workflow_id = archive_list_keys.workflow_id)
      and (archive_list_keys.state is null or e.state = archive_list_keys.state)
      and (from_time is null or e.created_at >= from_time)
      and (to_time is null or e.created_at < to_time)
      and (after_created_at is null or (e.created_at, e.id) < (after_created_at, after_id))
    order by e.created_at desc, e.id desc
    limit max_rows)
  union all
  (select a.execution_id, a.created_at, a.batch_id, a.row_no
     from app_private.archived_executions a
     join app_private.archive_batches b on b.id = a.batch_id and b.state = 'deleted'
    where include_cold
      and (archive_list_keys.team_id is null or a.team_id = archive_list_keys.team_id)
      and (archive_list_keys.workflow_id is null or a.workflow_id = archive_list_keys.workflow_id)
      and (archive_list_keys.state is null or a.state = archive_list_keys.state)
      and (from_time is null or a.created_at >= from_time)
      and (to_time is null or a.created_at < to_time)
      and (after_created_at is null or (a.created_at, a.execution_id) < (after_created_at, after_id))
    order by a.created_at desc, a.execution_id desc
    limit max_rows)
  order by 2 desc, 1 desc
  limit max_rows;
end;
$$;
comment on function app_private.archive_list_keys(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer, boolean) is 'One page of execution keys (newest first, keyset after (after_created_at, after_id)) filtered by team, workflow, state and [from_time, to_time), across hot rows and cold batches (state deleted). Cold keys carry their batch and row. Hot rows of batches not yet deleted are served hot, so no execution appears twice.';

create function app_private.archive_locate(execution_id uuid)
  returns table (batch_id uuid, row_no integer, key text, state text, sha256 text, bytes bigint, encrypted boolean, team_id uuid)
  language sql stable
  set search_path = pg_catalog
as $$
  select b.id, a.row_no, b.key, b.state, b.sha256, b.bytes, b.encrypted, b.team_id
    from app_private.archived_executions a join app_private.archive_batches b on b.id = a.batch_id
   where a.execution_id = archive_locate.execution_id;
$$;
comment on function app_private.archive_locate(uuid) is 'Where an archived execution lives: its batch, row, file key, checksum and the batch state.';

create function app_private.archive_restore_batch(batch_id uuid, documents jsonb, keep_days integer default 7)
  returns integer
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  b app_private.archive_batches;
  v_count integer;
begin
  select * into b from app_private.archive_batches x where x.id = archive_restore_batch.batch_id for update;
  if not found then
    raise exception 'archive batch % not found', batch_id using errcode = 'LFNTF';
  end if;
  if b.state <> 'deleted' then
    raise exception 'archive batch % is %', batch_id, b.state using errcode = 'LFSTA', detail = format('current_state=%s', b.state);
  end if;
  if jsonb_typeof(documents) <> 'array' or jsonb_array_length(documents) <> b.row_count then
    raise exception 'restore needs the batch''s % documents', b.row_count using errcode = 'LFVAL', detail = 'field: documents';
  end if;
  perform app_private.ensure_partitions_between(b.day, b.day);
  insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, trigger_id,
      input, output, error, attempt, idempotency_key, version, started_at, finished_at, duration_ms, updated_at)
  select d.id, d.created_at, d.team_id, d.workflow_id, d.workflow_version, d.state, d.trigger_type, d.trigger_id,
         d.input, d.output, d.error, d.attempt, d.idempotency_key, d.version, d.started_at, d.finished_at, d.duration_ms, d.updated_at
    from jsonb_to_recordset(documents) as d(id uuid, created_at timestamptz, team_id uuid, workflow_id uuid, workflow_version integer,
      state text, trigger_type text, trigger_id uuid, input jsonb, output jsonb, error jsonb, attempt integer, idempotency_key text,
      version integer, started_at timestamptz, finished_at timestamptz, duration_ms bigint, updated_at timestamptz);
  get diagnostics v_count = row_count;
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason, details)
  select (d->>'id')::uuid, (d->>'created_at')::timestamptz, t.seq, (d->>'team_id')::uuid, t.from_state, t.to_state, t.at, t.actor_id, t.reason, t.details
    from jsonb_array_elements(documents) d
   cross join lateral jsonb_to_recordset(d->'transitions') as t(seq integer, from_state text, to_state text, at timestamptz,
      actor_id uuid, reason text, details jsonb);
  insert into app_public.execution_node_runs (execution_id, execution_created_at, team_id, node_name, node_id, attempt, status,
      started_at, finished_at, output, error)
  select (d->>'id')::uuid, (d->>'created_at')::timestamptz, (d->>'team_id')::uuid, r.node_name, r.node_id, r.attempt, r.status,
         r.started_at, r.finished_at, r.output, r.error
    from jsonb_array_elements(documents) d
   cross join lateral jsonb_to_recordset(d->'node_runs') as r(node_name text, node_id uuid, attempt integer, status text,
      started_at timestamptz, finished_at timestamptz, output jsonb, error jsonb);
  insert into app_private.archive_restored_executions (execution_id, batch_id, keep_until)
  select a.execution_id, b.id, now() + make_interval(days => coalesce(keep_days, 7))
    from app_private.archived_executions a where a.batch_id = b.id
  on conflict (execution_id) do update set batch_id = excluded.batch_id, keep_until = excluded.keep_until;
  delete from app_private.archived_executions a where a.batch_id = b.id;
  update app_private.archive_batches x set state = 'restored', restored_at = now(), updated_at = now() where x.id = b.id;
  insert into app_private.archive_object_deletions (key, reason) values (b.key, 'restored') on conflict do nothing;
  perform app_private.archive_event(b.team_id, 'ArchiveBatchRestored', jsonb_build_object('batch_id', b.id, 'key', b.key, 'row_count', v_count));
  return v_count;
end;
$$;
comment on function app_private.archive_restore_batch(uuid, jsonb, integer) is 'Restores a deleted batch into the hot tables from its documents (read and verified from the file by the caller): recreates the day''s partitions if dropped, inserts executions, transitions and node runs, removes the index entries, keeps the executions hot for keep_days, marks the batch restored and queues its file for deletion. All or nothing.';

------------------------------------------------------------------------------------------------------------
-- Compliance: legal holds, erasure
------------------------------------------------------------------------------------------------------------
create function app_private.place_legal_hold(team_id uuid, reason text, workflow_id uuid default null, execution_id uuid default null,
    created_by uuid default null)
  returns uuid
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_id uuid;
begin
  if not exists (select 1 from app_public.teams t where t.id = place_legal_hold.team_id) then
    raise exception 'team % not found', team_id using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  if reason is null or char_length(reason) not between 1 and 2000 then
    raise exception 'a reason is required' using errcode = 'LFVAL', detail = 'field: reason';
  end if;
  if workflow_id is not null and execution_id is not null then
    raise exception 'a hold covers a team, a workflow or an execution' using errcode = 'LFVAL', detail = 'field: execution_id';
  end if;
  insert into app_private.legal_holds (team_id, workflow_id, execution_id, reason, created_by)
  values (place_legal_hold.team_id, place_legal_hold.workflow_id, place_legal_hold.execution_id, reason, created_by)
  returning id into v_id;
  perform app_private.archive_event(team_id, 'LegalHoldPlaced', jsonb_build_object('hold_id', v_id, 'workflow_id', workflow_id,
    'execution_id', execution_id, 'reason', reason));
  return v_id;
end;
$$;
comment on function app_private.place_legal_hold(uuid, text, uuid, uuid, uuid) is 'Places a legal hold on a team, one of its workflows or one execution; returns the hold id.';

create function app_private.release_legal_hold(hold_id uuid)
  returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  h app_private.legal_holds;
begin
  update app_private.legal_holds x set released_at = now() where x.id = hold_id and x.released_at is null returning * into h;
  if not found then
    raise exception 'active legal hold % not found', hold_id using errcode = 'LFNTF', detail = 'field: hold_id';
  end if;
  perform app_private.archive_event(h.team_id, 'LegalHoldReleased', jsonb_build_object('hold_id', h.id));
end;
$$;
comment on function app_private.release_legal_hold(uuid) is 'Releases an active legal hold.';

create function app_private.archive_record_rewrite(batch_id uuid, new_key text, bytes bigint, sha256 text, actor_ids uuid[], reason text)
  returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  b app_private.archive_batches;
begin
  select * into b from app_private.archive_batches x where x.id = archive_record_rewrite.batch_id for update;
  if not found then
    raise exception 'archive batch % not found', batch_id using errcode = 'LFNTF';
  end if;
  if b.state not in ('uploaded', 'verified', 'deleted') then
    raise exception 'archive batch % is %', batch_id, b.state using errcode = 'LFSTA', detail = format('current_state=%s', b.state);
  end if;
  if b.key <> new_key then
    insert into app_private.archive_object_deletions (key, reason) values (b.key, 'superseded') on conflict do nothing;
  end if;
  update app_private.archive_batches x
     set key = new_key, generation = b.generation + 1, bytes = archive_record_rewrite.bytes, sha256 = archive_record_rewrite.sha256,
         actor_ids = coalesce(archive_record_rewrite.actor_ids, '{}'), updated_at = now()
   where x.id = b.id;
  perform app_private.archive_event(b.team_id, 'ArchiveBatchRewritten', jsonb_build_object('batch_id', b.id, 'old_key', b.key,
    'key', new_key, 'sha256', sha256, 'reason', reason));
end;
$$;
comment on function app_private.archive_record_rewrite(uuid, text, bigint, text, uuid[], text) is 'Points a batch at its rewritten file (erasure): new key, size and sha256; the old file is queued for deletion.';

create function app_private.archive_erase_team(team_id uuid)
  returns table (batch_id uuid, key text)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  b record;
begin
  if exists (select 1 from app_private.legal_holds h where h.team_id = archive_erase_team.team_id and h.released_at is null) then
    raise exception 'team % is under legal hold', team_id using errcode = 'LFCNF', detail = 'field: team_id';
  end if;
  for b in select x.id, x.key, x.state, x.bytes from app_private.archive_batches x
            where x.team_id = archive_erase_team.team_id and x.state not in ('erased', 'restored') order by x.id for update loop
    if b.bytes is not null and b.state <> 'expired' then
      insert into app_private.archive_object_deletions (key, reason) values (b.key, 'erased') on conflict do nothing;
    end if;
    delete from app_private.archived_executions a where a.batch_id = b.id;
    update app_private.archive_batches x set state = 'erased', erased_at = now(), actor_ids = '{}', updated_at = now() where x.id = b.id;
    perform app_private.archive_event(archive_erase_team.team_id, 'ArchiveBatchErased', jsonb_build_object('batch_id', b.id, 'key', b.key));
    batch_id := b.id; key := b.key;
    return next;
  end loop;
end;
$$;
comment on function app_private.archive_erase_team(uuid) is 'Erases a team''s archived data: every batch file is queued for deletion (files hold one team only, so the rewrite is a removal), index entries are removed, manifest entries are kept as erased. Refused (LFCNF) under a legal hold.';
