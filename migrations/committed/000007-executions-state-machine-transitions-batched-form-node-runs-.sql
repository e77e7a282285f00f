--! Previous: sha1:164194534ecf9b4ddcefb51d4b5104d11fa26e72
--! Hash: sha1:e6575c9a76ca23f1ca4ac76130ff04ebf8a09b70
--! Message: executions: state machine, transitions, batched form, node runs, metric rollups, history

------------------------------------------------------------------------------------------------------------
-- Executions (issue 6): state machine, transitions (single and batched), node runs, metrics rollups,
-- history queries. Reverse: migrations/down/current.sql. Prose: docs/executions.md.
------------------------------------------------------------------------------------------------------------

------------------------------------------------------------------------------------------------------------
-- Settings and the allowed-transition table
------------------------------------------------------------------------------------------------------------
create table app_private.execution_settings (
  id boolean primary key default true constraint execution_settings_singleton check (id),
  node_output_max_bytes integer not null default 1048576 constraint execution_settings_node_output_max_bytes_range check (node_output_max_bytes between 1 and 268435456),
  raw_sample_retention_days integer not null default 7 constraint execution_settings_raw_sample_retention_days_range check (raw_sample_retention_days between 1 and 3660),
  minute_rollup_retention_days integer not null default 14 constraint execution_settings_minute_rollup_retention_days_range check (minute_rollup_retention_days between 1 and 3660),
  hour_rollup_retention_days integer not null default 400 constraint execution_settings_hour_rollup_retention_days_range check (hour_rollup_retention_days between 1 and 36600),
  idempotency_key_retention_days integer not null default 30 constraint execution_settings_idempotency_key_retention_days_range check (idempotency_key_retention_days between 1 and 36600)
);
alter table app_private.execution_settings enable row level security;
comment on table app_private.execution_settings is 'Singleton row of execution limits and retention: node output size limit (bytes of JSON text), raw metric sample retention, minute/hour rollup retention, idempotency key retention (days).';
insert into app_private.execution_settings default values;

create table app_public.execution_allowed_transitions (
  from_state text not null constraint execution_allowed_transitions_from_known check (from_state in
    ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')),
  to_state text not null constraint execution_allowed_transitions_to_known check (to_state in
    ('pending', 'queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')),
  is_retry boolean not null default false,
  constraint execution_allowed_transitions_pkey primary key (from_state, to_state),
  constraint execution_allowed_transitions_retry_to_queued check (not is_retry or to_state = 'queued')
);
alter table app_public.execution_allowed_transitions enable row level security;
create policy select_all on app_public.execution_allowed_transitions for select using (true);
grant select on app_public.execution_allowed_transitions to linkflow_visitor;
comment on table app_public.execution_allowed_transitions is 'The execution state machine: every legal move. transition_execution(s) refuse any other move (LFSTA) and a trigger on execution_transitions re-checks every recorded move and the chain. is_retry moves start a new attempt (attempt + 1, timing reset). succeeded and cancelled have no way out; failed, timed_out and crashed only through a retry.';

insert into app_public.execution_allowed_transitions (from_state, to_state, is_retry) values
  ('pending', 'queued', false),
  ('queued', 'running', false),
  ('running', 'waiting', false),
  ('waiting', 'running', false),
  ('running', 'succeeded', false),
  ('running', 'failed', false),
  ('running', 'timed_out', false),
  ('waiting', 'timed_out', false),
  ('pending', 'cancelled', false),
  ('queued', 'cancelled', false),
  ('running', 'cancelled', false),
  ('waiting', 'cancelled', false),
  ('running', 'crashed', false),
  ('waiting', 'crashed', false),
  ('failed', 'queued', true),
  ('timed_out', 'queued', true),
  ('crashed', 'queued', true);

------------------------------------------------------------------------------------------------------------
-- Helpers
------------------------------------------------------------------------------------------------------------
create function app_private.uuid_v7_at(at timestamptz) returns uuid
  language sql volatile parallel safe
  set search_path = pg_catalog
as $$
  select encode(
    set_bit(set_bit(set_bit(set_bit(set_bit(set_bit(
      overlay(public.gen_random_bytes(16)
        placing substring(int8send(floor(extract(epoch from at) * 1000)::bigint) from 3)
        from 1 for 6),
      55, 0), 54, 1), 53, 1), 52, 1), 71, 1), 70, 0), 'hex')::uuid;
$$;
comment on function app_private.uuid_v7_at(timestamptz) is 'A version 7 UUID whose embedded time is the given instant (for imports, backfills and generated test data whose created_at lies in the past).';

create function app_hidden.execution_created_at(execution_id uuid) returns timestamptz
  language plpgsql stable
  set search_path = pg_catalog
as $$
declare
  t timestamptz := app_hidden.uuid_v7_time(execution_id);
  v timestamptz;
begin
  -- Fast path: executions are created with created_at = the id's UUIDv7 time; one hour either side
  -- covers rows inserted with default values inside long transactions, and prunes to one or two partitions.
  select e.created_at into v from app_public.executions e
   where e.id = execution_id and e.created_at between t - interval '1 hour' and t + interval '1 hour';
  if v is null then
    select e.created_at into v from app_public.executions e where e.id = execution_id limit 1;
  end if;
  return v;
end;
$$;
comment on function app_hidden.execution_created_at(uuid) is 'The created_at (partition key) of an execution given its id alone: searches the partitions around the UUIDv7 time first (pruned), then all partitions. Null when not found or not visible (RLS applies).';
grant execute on function app_hidden.execution_created_at(uuid) to linkflow_visitor;

-- Duration histogram: 200 log-scaled buckets, bucket i holds durations d with (d + 1) in [1.1^(i-1), 1.1^i)
-- (the last one everything above ~53 h). A bucket's representative value is off by at most ~4.9% of d + 1.
create function app_hidden.duration_bucket(duration_ms bigint) returns integer
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select least(200, greatest(1, floor(ln(greatest(duration_ms, 0) + 1) / ln(1.1))::integer + 1));
$$;
comment on function app_hidden.duration_bucket(bigint) is 'Index (1..200) of the log-scaled duration histogram bucket (factor 1.1) holding duration_ms.';
grant execute on function app_hidden.duration_bucket(bigint) to linkflow_visitor;

create function app_hidden.duration_bucket_value(bucket integer) returns double precision
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select power(1.1, bucket - 0.5) - 1;
$$;
comment on function app_hidden.duration_bucket_value(integer) is 'Representative duration (ms) of a histogram bucket: its geometric midpoint (relative error <= 4.9% of d + 1).';
grant execute on function app_hidden.duration_bucket_value(integer) to linkflow_visitor;

create function app_hidden.duration_histogram(durations bigint[]) returns integer[]
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select array_agg(coalesce(c.n, 0)::integer order by g.i)
    from generate_series(1, 200) g(i)
    left join (select app_hidden.duration_bucket(d) as b, count(*) as n
                 from unnest(durations) d where d is not null group by 1) c on c.b = g.i;
$$;
comment on function app_hidden.duration_histogram(bigint[]) is 'The 200-bucket histogram (integer counts) of the given durations; nulls are ignored.';
grant execute on function app_hidden.duration_histogram(bigint[]) to linkflow_visitor;

create function app_hidden.int_array_add(a integer[], b integer[]) returns integer[]
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select array_agg(coalesce(x, 0) + coalesce(y, 0) order by i) from unnest(a, b) with ordinality u(x, y, i);
$$;
comment on function app_hidden.int_array_add(integer[], integer[]) is 'Element-wise sum of two integer arrays (histogram merge).';
grant execute on function app_hidden.int_array_add(integer[], integer[]) to linkflow_visitor;

create function app_hidden.histogram_percentile(histogram integer[], fraction double precision) returns double precision
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select app_hidden.duration_bucket_value(x.i::integer)
    from (select u.i, sum(u.c) over (order by u.i) as cum, sum(u.c) over () as total
            from unnest(histogram) with ordinality u(c, i)) x
   where x.total > 0 and x.cum >= greatest(1, ceil(fraction * x.total))
   order by x.i limit 1;
$$;
comment on function app_hidden.histogram_percentile(integer[], double precision) is 'Nearest-rank percentile (like percentile_disc) read from a duration histogram: the representative value of the bucket holding the rank. Null for an empty histogram.';
grant execute on function app_hidden.histogram_percentile(integer[], double precision) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Idempotency keys (not partitioned: unique per team and key regardless of the execution's day)
------------------------------------------------------------------------------------------------------------
create table app_private.execution_idempotency_keys (
  team_id uuid not null references app_public.teams (id) on delete cascade,
  key text not null constraint execution_idempotency_keys_key_length check (char_length(key) between 1 and 200),
  workflow_id uuid not null,
  execution_id uuid not null,
  execution_created_at timestamptz not null,
  created_at timestamptz not null default now(),
  constraint execution_idempotency_keys_pkey primary key (team_id, key)
);
alter table app_private.execution_idempotency_keys enable row level security;
create index execution_idempotency_keys_created_at_idx on app_private.execution_idempotency_keys (created_at);
comment on table app_private.execution_idempotency_keys is 'start_execution idempotency: (team, key) -> the execution it started. Unique constraints on partitioned executions would have to include created_at, so the key lives here. Kept idempotency_key_retention_days (execution_settings), then pruned by the execution_metrics_retention task. No foreign key to executions so archival may detach partitions freely.';

------------------------------------------------------------------------------------------------------------
-- Indexes for history queries, immutability and chain enforcement
------------------------------------------------------------------------------------------------------------
create index executions_workflow_id_state_created_at_idx on app_public.executions (workflow_id, state, created_at desc, id desc);

create function app_private.tg_executions__terminal_immutable() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  -- Only a retry (a new attempt through an is_retry move) may change a finished execution.
  if new.attempt > old.attempt and exists (
       select 1 from app_public.execution_allowed_transitions a
        where a.from_state = old.state and a.to_state = 'queued' and a.is_retry) then
    return new;
  end if;
  if (new.state, new.attempt, new.started_at, new.finished_at, new.duration_ms, new.workflow_id, new.workflow_version,
      new.team_id, new.trigger_type, new.version, new.created_at, new.id)
     is not distinct from
     (old.state, old.attempt, old.started_at, old.finished_at, old.duration_ms, old.workflow_id, old.workflow_version,
      old.team_id, old.trigger_type, old.version, old.created_at, old.id)
     and (current_setting('linkflow.allow_execution_redaction', true) = 'on'
          or (new.input, new.output, new.error, new.idempotency_key) is not distinct from (old.input, old.output, old.error, old.idempotency_key)) then
    return new;
  end if;
  raise exception 'execution % is % and cannot change', old.id, old.state using errcode = 'LFIMM',
    detail = format('current_state=%s', old.state);
end;
$$;
comment on function app_private.tg_executions__terminal_immutable() is 'Trigger: a finished execution (succeeded, failed, cancelled, timed_out, crashed) never changes, except by a retry (attempt + 1 from a retryable state) or a redaction of input/output/error with linkflow.allow_execution_redaction = on.';
create trigger _200_terminal_immutable before update on app_public.executions
  for each row when (old.state in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'))
  execute function app_private.tg_executions__terminal_immutable();

create function app_private.tg_execution_transitions__chain() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
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
comment on function app_private.tg_execution_transitions__chain() is 'Statement trigger: every recorded move must be in execution_allowed_transitions, seq 1 (and only seq 1) has no from_state, and each from_state equals the previous seq''s to_state: the history is a chain.';
create trigger _200_chain after insert on app_public.execution_transitions
  referencing new table as new_transitions
  for each statement execute function app_private.tg_execution_transitions__chain();

create function app_private.tg_execution_transitions__immutable() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  raise exception 'execution transitions are immutable' using errcode = 'LFIMM';
end;
$$;
comment on function app_private.tg_execution_transitions__immutable() is 'Trigger: refuses UPDATE of recorded transitions (deletes happen only with their execution).';
create trigger _100_immutable before update on app_public.execution_transitions
  for each row execute function app_private.tg_execution_transitions__immutable();

------------------------------------------------------------------------------------------------------------
-- Metric rollups (maintained by a statement trigger on execution_metric_samples)
------------------------------------------------------------------------------------------------------------
create table app_public.execution_metric_rollups (
  workflow_id uuid not null references app_public.workflows (id) on delete cascade,
  team_id uuid not null references app_public.teams (id) on delete cascade,
  granularity text not null constraint execution_metric_rollups_granularity_known check (granularity in ('minute', 'hour', 'day')),
  bucket timestamptz not null,
  shard smallint not null constraint execution_metric_rollups_shard_range check (shard between 0 and 7),
  total integer not null default 0,
  succeeded integer not null default 0,
  failed integer not null default 0,
  cancelled integer not null default 0,
  timed_out integer not null default 0,
  crashed integer not null default 0,
  other integer not null default 0,
  duration_count integer not null default 0,
  duration_sum_ms bigint not null default 0,
  duration_min_ms bigint,
  duration_max_ms bigint,
  duration_histogram integer[] not null constraint execution_metric_rollups_histogram_length check (cardinality(duration_histogram) = 200),
  node_count bigint not null default 0,
  failed_node_count bigint not null default 0,
  constraint execution_metric_rollups_pkey primary key (workflow_id, granularity, bucket, shard)
);
alter table app_public.execution_metric_rollups enable row level security;
create index execution_metric_rollups_team_id_idx on app_public.execution_metric_rollups (team_id, granularity, bucket);
create index execution_metric_rollups_granularity_bucket_idx on app_public.execution_metric_rollups (granularity, bucket);
create policy select_member on app_public.execution_metric_rollups for select using (
  team_id in (select app_hidden.current_user_team_ids()));
grant select on app_public.execution_metric_rollups to linkflow_visitor;
comment on table app_public.execution_metric_rollups is 'Per workflow per minute/hour/day (UTC buckets) counters of finished executions by outcome, duration sum/min/max, a 200-bucket log histogram (p50/p95 within ~5%) and node counts. Updated incrementally by a statement trigger on execution_metric_samples (only the new samples, never a rescan). shard (backend pid mod 8) spreads concurrent writers over 8 rows per bucket; queries sum the shards.';

create function app_private.tg_execution_metric_samples__rollup() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  one record;
  k integer;
begin
  if (select count(*) from new_samples) = 1 then
    -- one sample (a single transition): increment one histogram element instead of building and merging arrays
    select * into one from new_samples;
    k := app_hidden.duration_bucket(one.duration_ms);
    insert into app_public.execution_metric_rollups as r (
      workflow_id, team_id, granularity, bucket, shard, total, succeeded, failed, cancelled, timed_out, crashed, other,
      duration_count, duration_sum_ms, duration_min_ms, duration_max_ms, duration_histogram, node_count, failed_node_count)
    select one.workflow_id, one.team_id, g.granularity, date_trunc(g.granularity, one.recorded_at, 'UTC'),
           (pg_backend_pid() % 8)::smallint, 1,
           (one.state = 'succeeded')::integer, (one.state = 'failed')::integer, (one.state = 'cancelled')::integer,
           (one.state = 'timed_out')::integer, (one.state = 'crashed')::integer,
           (one.state not in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed'))::integer,
           (one.duration_ms is not null)::integer, coalesce(one.duration_ms, 0), one.duration_ms, one.duration_ms,
           case when k is null then array_fill(0, array[200])
                else array_fill(0, array[k - 1]) || 1 || array_fill(0, array[200 - k]) end,
           one.node_count, one.failed_node_count
      from (values ('minute'), ('hour'), ('day')) g(granularity)
     order by 3
    on conflict (workflow_id, granularity, bucket, shard) do update set
      total = r.total + 1,
      succeeded = r.succeeded + excluded.succeeded,
      failed = r.failed + excluded.failed,
      cancelled = r.cancelled + excluded.cancelled,
      timed_out = r.timed_out + excluded.timed_out,
      crashed = r.crashed + excluded.crashed,
      other = r.other + excluded.other,
      duration_count = r.duration_count + excluded.duration_count,
      duration_sum_ms = r.duration_sum_ms + excluded.duration_sum_ms,
      duration_min_ms = least(r.duration_min_ms, excluded.duration_min_ms),
      duration_max_ms = greatest(r.duration_max_ms, excluded.duration_max_ms),
      duration_histogram[coalesce(k, 1)] = r.duration_histogram[coalesce(k, 1)] + (k is not null)::integer,
      node_count = r.node_count + excluded.node_count,
      failed_node_count = r.failed_node_count + excluded.failed_node_count;
    return null;
  end if;
  insert into app_public.execution_metric_rollups as r (
    workflow_id, team_id, granularity, bucket, shard, total, succeeded, failed, cancelled, timed_out, crashed, other,
    duration_count, duration_sum_ms, duration_min_ms, duration_max_ms, duration_histogram, node_count, failed_node_count)
  select s.workflow_id, min(s.team_id::text)::uuid, g.granularity, date_trunc(g.granularity, s.recorded_at, 'UTC'),
         (pg_backend_pid() % 8)::smallint,
         count(*), count(*) filter (where s.state = 'succeeded'), count(*) filter (where s.state = 'failed'),
         count(*) filter (where s.state = 'cancelled'), count(*) filter (where s.state = 'timed_out'),
         count(*) filter (where s.state = 'crashed'),
         count(*) filter (where s.state not in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')),
         count(s.duration_ms), coalesce(sum(s.duration_ms), 0), min(s.duration_ms), max(s.duration_ms),
         app_hidden.duration_histogram(array_agg(s.duration_ms)),
         sum(s.node_count), sum(s.failed_node_count)
    from new_samples s
   cross join (values ('minute'), ('hour'), ('day')) g(granularity)
   group by s.workflow_id, g.granularity, date_trunc(g.granularity, s.recorded_at, 'UTC')
   order by 1, 3, 4
  on conflict (workflow_id, granularity, bucket, shard) do update set
    total = r.total + excluded.total,
    succeeded = r.succeeded + excluded.succeeded,
    failed = r.failed + excluded.failed,
    cancelled = r.cancelled + excluded.cancelled,
    timed_out = r.timed_out + excluded.timed_out,
    crashed = r.crashed + excluded.crashed,
    other = r.other + excluded.other,
    duration_count = r.duration_count + excluded.duration_count,
    duration_sum_ms = r.duration_sum_ms + excluded.duration_sum_ms,
    duration_min_ms = least(r.duration_min_ms, excluded.duration_min_ms),
    duration_max_ms = greatest(r.duration_max_ms, excluded.duration_max_ms),
    duration_histogram = app_hidden.int_array_add(r.duration_histogram, excluded.duration_histogram),
    node_count = r.node_count + excluded.node_count,
    failed_node_count = r.failed_node_count + excluded.failed_node_count;
  return null;
end;
$$;
comment on function app_private.tg_execution_metric_samples__rollup() is 'Statement trigger: adds the inserted samples (only them) into the minute, hour and day rollups of their workflows.';
create trigger _200_rollup after insert on app_public.execution_metric_samples
  referencing new table as new_samples
  for each statement execute function app_private.tg_execution_metric_samples__rollup();

------------------------------------------------------------------------------------------------------------
-- Result types
------------------------------------------------------------------------------------------------------------
create type app_public.execution_transition_result as (
  ord integer,
  execution_id uuid,
  execution_created_at timestamptz,
  ok boolean,
  error_code text,
  current_state text,
  seq integer,
  attempt integer
);
comment on type app_public.execution_transition_result is 'Per-item result of transition_executions: ok, or the error code (LFVAL, LFNTF, LFDNY, LFSTA) and the execution''s current state; seq and attempt after the move.';

create type app_public.execution_metric_point as (
  bucket_start timestamptz,
  total integer,
  succeeded integer,
  failed integer,
  cancelled integer,
  timed_out integer,
  crashed integer,
  success_rate double precision,
  avg_ms double precision,
  p50_ms double precision,
  p95_ms double precision,
  node_count bigint,
  failed_node_count bigint
);
comment on type app_public.execution_metric_point is 'One bucket of an executions metric series: counts by outcome, success rate (succeeded / total), mean and approximate p50/p95 duration.';

------------------------------------------------------------------------------------------------------------
-- start_execution
------------------------------------------------------------------------------------------------------------
create function app_private.start_execution(
  p_workflow_id uuid, p_trigger_type text, p_input jsonb, p_idempotency_key text, p_actor uuid, p_check_role boolean
) returns app_public.executions
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  w record;
  v_id uuid;
  v_created timestamptz;
  k record;
  e app_public.executions;
begin
  select wf.id, wf.team_id, wf.status, wf.current_version into w from app_public.workflows wf where wf.id = p_workflow_id;
  if not found or (p_check_role and not app_hidden.has_team_role(w.team_id, 'viewer')) then
    raise exception 'workflow not found' using errcode = 'LFNTF', detail = 'field: workflow_id';
  end if;
  if p_check_role and not app_hidden.has_team_role(w.team_id, 'editor') then
    raise exception 'starting an execution needs the editor role' using errcode = 'LFDNY';
  end if;
  if w.status <> 'active' then
    raise exception 'workflow is %, only active workflows can start executions', w.status using errcode = 'LFSTA',
      detail = format('current_state=%s', w.status);
  end if;
  if p_trigger_type is null or p_trigger_type not in ('webhook', 'schedule', 'event', 'manual', 'retry') then
    raise exception 'unknown trigger type' using errcode = 'LFVAL', detail = 'field: trigger_type';
  end if;
  if p_idempotency_key is not null and char_length(p_idempotency_key) not between 1 and 200 then
    raise exception 'idempotency key must have 1 to 200 characters' using errcode = 'LFVAL', detail = 'field: idempotency_key';
  end if;

  v_id := app_public.uuid_generate_v7();
  v_created := app_hidden.uuid_v7_time(v_id);  -- created_at matches the id's time: lookups by id prune partitions

  if p_idempotency_key is not null then
    -- Concurrent callers with the same key: the second INSERT waits for the first transaction, then finds its row.
    insert into app_private.execution_idempotency_keys (team_id, key, workflow_id, execution_id, execution_created_at)
      values (w.team_id, p_idempotency_key, w.id, v_id, v_created)
      on conflict (team_id, key) do nothing;
    if not found then
      select * into k from app_private.execution_idempotency_keys ik
       where ik.team_id = w.team_id and ik.key = p_idempotency_key;
      if k.workflow_id <> w.id then
        raise exception 'idempotency key already used for another workflow' using errcode = 'LFCNF', detail = 'field: idempotency_key';
      end if;
      select * into e from app_public.executions x where x.id = k.execution_id and x.created_at = k.execution_created_at;
      if not found then
        raise exception 'idempotency key already used (its execution is archived)' using errcode = 'LFCNF', detail = 'field: idempotency_key';
      end if;
      return e;
    end if;
  end if;

  insert into app_public.executions (id, created_at, team_id, workflow_id, workflow_version, state, trigger_type, input, idempotency_key, attempt, version)
    values (v_id, v_created, w.team_id, w.id, w.current_version, 'pending', p_trigger_type, p_input, p_idempotency_key, 1, 1)
    returning * into e;
  insert into app_public.execution_transitions (execution_id, execution_created_at, seq, team_id, from_state, to_state, at, actor_id, reason)
    values (v_id, v_created, 1, w.team_id, null, 'pending', v_created, p_actor, 'created');
  perform app_private.append_events('execution-' || v_id, 'execution', 0,
    jsonb_build_array(jsonb_build_object(
      'type', 'ExecutionCreated',
      'data', jsonb_build_object('execution_id', v_id, 'workflow_id', w.id, 'team_id', w.team_id,
                                 'workflow_version', w.current_version, 'state', 'pending', 'trigger_type', p_trigger_type,
                                 'attempt', 1, 'created_at', v_created),
      'metadata', jsonb_build_object('actor', p_actor))),
    w.team_id);
  return e;
end;
$$;
comment on function app_private.start_execution(uuid, text, jsonb, text, uuid, boolean) is 'Service path of start_execution (owner only): starts an execution of an active workflow pinned to its current version; p_actor is recorded, p_check_role applies the visitor''s team role checks.';

create function app_public.start_execution(
  workflow_id uuid, trigger_type text default 'manual', input jsonb default null, idempotency_key text default null
) returns app_public.executions
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select * from app_private.start_execution($1, $2, $3, $4, app_public.current_user_id(), true);
$$;
comment on function app_public.start_execution(uuid, text, jsonb, text) is 'Starts an execution (state pending) of an active workflow, pinned to its current version, and appends ExecutionCreated. Needs the editor role on the workflow''s team. The same idempotency_key (per team) returns the execution it first started, also under concurrent calls. Errors: LFNTF, LFDNY, LFSTA (workflow not active; DETAIL current_state=<status>), LFVAL, LFCNF (key used for another workflow).';
grant execute on function app_public.start_execution(uuid, text, jsonb, text) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Transitions: one engine for single and batched moves
------------------------------------------------------------------------------------------------------------
create function app_private.apply_execution_transitions(p_items jsonb, p_actor uuid default null, p_check_role boolean default false)
  returns setof app_public.execution_transition_result
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
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
$$;
comment on function app_private.apply_execution_transitions(jsonb, uuid, boolean) is
'The transition engine (owner only). items: [{id, to_state, expected_from?, details?: {reason?, output?, error?, correlation_id?, causation_id?, trace_id?, ...}}].
Locks the target executions in id order, checks each move against execution_allowed_transitions and expected_from,
applies the moves in input order (several per execution allowed), then writes set-based: one UPDATE of executions,
one INSERT of transitions, the ExecutionStateChanged events, and metric samples for finished attempts. Failed items
write nothing and report error_code + current_state; unexpected errors abort the whole call.';

create function app_private.transition_execution(
  p_id uuid, p_to_state text, p_expected_from text, p_details jsonb, p_actor uuid, p_check_role boolean
) returns app_public.executions
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
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

create function app_public.transition_execution(
  id uuid, to_state text, expected_from text default null, details jsonb default null
) returns app_public.executions
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select * from app_private.transition_execution($1, $2, $3, $4, app_public.current_user_id(), true);
$$;
comment on function app_public.transition_execution(uuid, text, text, jsonb) is 'Moves an execution to to_state in one atomic step: checks the move is legal (execution_allowed_transitions) and that the current state is expected_from (when given), updates the row (started_at on the first running of an attempt, finished_at and duration_ms on finishing, attempt + 1 on a retry), records the transition (from, to, at, actor, reason = details.reason) and appends ExecutionStateChanged. Illegal or stale: LFSTA with DETAIL current_state=<s>, nothing written. Needs the editor role.';
grant execute on function app_public.transition_execution(uuid, text, text, jsonb) to linkflow_visitor;

create function app_public.transition_executions(items jsonb)
  returns setof app_public.execution_transition_result
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select * from app_private.apply_execution_transitions($1, app_public.current_user_id(), true);
$$;
comment on function app_public.transition_executions(jsonb) is 'Batched transitions in one statement and one commit, for engines that report in bulk. items: [{id, to_state, expected_from?, details?}] (at most 10000). Returns one result per item in input order: ok, or error_code (LFVAL, LFNTF, LFDNY, LFSTA) with current_state; failed items write nothing. Needs the editor role on each execution''s team.';
grant execute on function app_public.transition_executions(jsonb) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Node runs
------------------------------------------------------------------------------------------------------------
create function app_private.lock_execution_for_node_run(p_execution_id uuid, p_check_role boolean)
  returns app_public.executions
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  t timestamptz := app_hidden.uuid_v7_time(p_execution_id);
  e app_public.executions;
begin
  select * into e from app_public.executions x
   where x.id = p_execution_id and x.created_at between t - interval '1 hour' and t + interval '1 hour' for share;
  if not found then
    select * into e from app_public.executions x where x.id = p_execution_id for share;
  end if;
  if e.id is null or (p_check_role and not app_hidden.has_team_role(e.team_id, 'viewer')) then
    raise exception 'execution not found' using errcode = 'LFNTF', detail = 'field: execution_id';
  end if;
  if p_check_role and not app_hidden.has_team_role(e.team_id, 'editor') then
    raise exception 'recording node runs needs the editor role' using errcode = 'LFDNY';
  end if;
  if e.state not in ('running', 'waiting') then
    raise exception 'node runs are recorded only while the execution is running or waiting (it is %)', e.state
      using errcode = 'LFSTA', detail = format('current_state=%s', e.state);
  end if;
  return e;
end;
$$;
comment on function app_private.lock_execution_for_node_run(uuid, boolean) is 'Finds (pruned by the id''s time) and share-locks an execution for a node run write; checks the role and that it is running or waiting.';

create function app_private.record_node_run_start(
  p_execution_id uuid, p_node_name text, p_attempt integer, p_node_id uuid, p_check_role boolean
) returns app_public.execution_node_runs
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  e app_public.executions;
  n app_public.execution_node_runs;
  v_attempt integer;
begin
  if p_node_name is null or char_length(p_node_name) not between 1 and 200 then
    raise exception 'node name must have 1 to 200 characters' using errcode = 'LFVAL', detail = 'field: node_name';
  end if;
  if p_attempt is not null and p_attempt < 1 then
    raise exception 'attempt must be positive' using errcode = 'LFVAL', detail = 'field: attempt';
  end if;
  e := app_private.lock_execution_for_node_run(p_execution_id, p_check_role);
  v_attempt := coalesce(p_attempt, (select coalesce(max(nr.attempt), 0) + 1 from app_public.execution_node_runs nr
                                     where nr.execution_id = e.id and nr.execution_created_at = e.created_at and nr.node_name = p_node_name));
  insert into app_public.execution_node_runs (execution_id, execution_created_at, team_id, node_name, node_id, attempt, status, started_at)
    values (e.id, e.created_at, e.team_id, p_node_name, p_node_id, v_attempt, 'running', clock_timestamp())
    on conflict do nothing
    returning * into n;
  if n.execution_id is null then
    raise exception 'node % attempt % was already started', p_node_name, v_attempt using errcode = 'LFCNF', detail = 'field: attempt';
  end if;
  return n;
end;
$$;
comment on function app_private.record_node_run_start(uuid, text, integer, uuid, boolean) is 'Service path of record_node_run_start (owner only).';

create function app_private.record_node_run_finish(
  p_execution_id uuid, p_node_name text, p_attempt integer, p_status text, p_output jsonb, p_error jsonb, p_check_role boolean
) returns app_public.execution_node_runs
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  e app_public.executions;
  n app_public.execution_node_runs;
  v_limit integer := (select s.node_output_max_bytes from app_private.execution_settings s);
  v_size integer;
begin
  if p_status is null or p_status not in ('succeeded', 'failed', 'skipped', 'cancelled') then
    raise exception 'status must be succeeded, failed, skipped or cancelled' using errcode = 'LFVAL', detail = 'field: status';
  end if;
  v_size := octet_length(coalesce(p_output::text, ''));
  if v_size > v_limit then
    raise exception 'node output is % bytes, the limit is %', v_size, v_limit using errcode = 'LFLIM',
      detail = format('field: output limit=%s size=%s', v_limit, v_size);
  end if;
  v_size := octet_length(coalesce(p_error::text, ''));
  if v_size > v_limit then
    raise exception 'node error is % bytes, the limit is %', v_size, v_limit using errcode = 'LFLIM',
      detail = format('field: error limit=%s size=%s', v_limit, v_size);
  end if;
  e := app_private.lock_execution_for_node_run(p_execution_id, p_check_role);
  select * into n from app_public.execution_node_runs nr
   where nr.execution_id = e.id and nr.execution_created_at = e.created_at and nr.node_name = p_node_name
     and (p_attempt is null or nr.attempt = p_attempt)
   order by nr.attempt desc limit 1
   for update;
  if not found then
    raise exception 'node run not found' using errcode = 'LFNTF', detail = 'field: node_name';
  end if;
  if n.status not in ('pending', 'running') then
    raise exception 'node run already finished (%)', n.status using errcode = 'LFSTA', detail = format('current_state=%s', n.status);
  end if;
  update app_public.execution_node_runs nr set status = p_status, finished_at = clock_timestamp(), output = p_output, error = p_error
   where nr.execution_id = n.execution_id and nr.execution_created_at = n.execution_created_at
     and nr.node_name = n.node_name and nr.attempt = n.attempt
  returning * into n;
  return n;
end;
$$;
comment on function app_private.record_node_run_finish(uuid, text, integer, text, jsonb, jsonb, boolean) is 'Service path of record_node_run_finish (owner only).';

create function app_public.record_node_run_start(execution_id uuid, node_name text, attempt integer default null, node_id uuid default null)
  returns app_public.execution_node_runs
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select * from app_private.record_node_run_start($1, $2, $3, $4, true);
$$;
comment on function app_public.record_node_run_start(uuid, text, integer, uuid) is 'Records that a node started (status running) in a running or waiting execution; attempt defaults to the node''s next attempt. Needs the editor role. Errors: LFNTF, LFDNY, LFSTA (execution not running/waiting), LFCNF (attempt already started), LFVAL.';
grant execute on function app_public.record_node_run_start(uuid, text, integer, uuid) to linkflow_visitor;

create function app_public.record_node_run_finish(execution_id uuid, node_name text, status text, output jsonb default null, error jsonb default null, attempt integer default null)
  returns app_public.execution_node_runs
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select * from app_private.record_node_run_finish($1, $2, $6, $3, $4, $5, true);
$$;
comment on function app_public.record_node_run_finish(uuid, text, text, jsonb, jsonb, integer) is 'Records a node''s outcome (succeeded, failed, skipped, cancelled) with output and error; attempt defaults to the latest. Output and error above execution_settings.node_output_max_bytes (JSON text bytes) are refused with LFLIM and nothing is written. Needs the editor role.';
grant execute on function app_public.record_node_run_finish(uuid, text, text, jsonb, jsonb, integer) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Reads: by id, transition history, history pages, metric series (all SECURITY INVOKER: RLS applies)
------------------------------------------------------------------------------------------------------------
create function app_public.lookup_execution(id uuid) returns app_public.executions
  language sql stable
  set search_path = pg_catalog
as $$
  select e.* from app_public.executions e
   where e.id = $1 and e.created_at = app_hidden.execution_created_at($1);
$$;
comment on function app_public.lookup_execution(uuid) is 'One execution by id alone, reading only the partition its created_at falls in (found from the id''s UUIDv7 time).';
grant execute on function app_public.lookup_execution(uuid) to linkflow_visitor;

create function app_public.execution_transition_history(execution_id uuid) returns setof app_public.execution_transitions
  language sql stable
  set search_path = pg_catalog
as $$
  select t.* from app_public.execution_transitions t
   where t.execution_id = $1 and t.execution_created_at = app_hidden.execution_created_at($1)
   order by t.seq;
$$;
comment on function app_public.execution_transition_history(uuid) is 'The transition chain of one execution (seq 1, 2, ...), read from its partition only.';
grant execute on function app_public.execution_transition_history(uuid) to linkflow_visitor;

create function app_private.execution_history(
  team_id uuid default null,
  workflow_id uuid default null,
  state text default null,
  created_from timestamptz default null,
  created_before timestamptz default null,
  after_created_at timestamptz default null,
  after_id uuid default null,
  max_rows integer default 50,
  check_membership boolean default false
) returns setof app_public.executions
  language plpgsql stable
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
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

create function app_public.execution_history(
  team_id uuid default null,
  workflow_id uuid default null,
  state text default null,
  created_from timestamptz default null,
  created_before timestamptz default null,
  after_created_at timestamptz default null,
  after_id uuid default null,
  max_rows integer default 50
) returns setof app_public.executions
  language sql stable security definer
  set search_path = pg_catalog
as $$
  select * from app_private.execution_history($1, $2, $3, $4, $5, $6, $7, $8, true);
$$;
comment on function app_public.execution_history(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer) is 'Executions of a team or a workflow the caller can view (optionally one state, created in [created_from, created_before)), newest first, max_rows (<= 1000) per page. Next page: pass the last row''s created_at and id as after_created_at and after_id (keyset pagination, stable under inserts). Membership is checked once (viewer role), then the query reads the partitions without per-partition RLS subqueries.';
grant execute on function app_public.execution_history(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer) to linkflow_visitor;

create function app_public.execution_metrics_series(
  range_start timestamptz,
  range_end timestamptz,
  bucket text default 'hour',
  workflow_id uuid default null,
  team_id uuid default null
) returns setof app_public.execution_metric_point
  language plpgsql stable
  set search_path = pg_catalog
  set timezone = 'UTC'
as $$
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
      select r.* from app_public.execution_metric_rollups r
       where r.granularity = execution_metrics_series.bucket
         and r.bucket >= v_start and r.bucket < range_end
         and r.workflow_id = execution_metrics_series.workflow_id
      union all
      select r.* from app_public.execution_metric_rollups r
       where r.team_id = execution_metrics_series.team_id
         and r.granularity = execution_metrics_series.bucket
         and r.bucket >= v_start and r.bucket < range_end
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
comment on function app_public.execution_metrics_series(timestamptz, timestamptz, text, uuid, uuid) is 'Time series of finished executions for one workflow or one team between range_start and range_end in minute, hour or day buckets (UTC, at most 1000 points, empty buckets included): counts by outcome, success rate, mean duration and p50/p95 from the rollup histograms (within ~5%). Reads only the rollups.';
grant execute on function app_public.execution_metrics_series(timestamptz, timestamptz, text, uuid, uuid) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Retention: raw samples older than the retention are checked against the day rollups (rebuilt from raw if
-- they differ), then their partitions are dropped; old minute/hour rollups and idempotency keys are pruned.
------------------------------------------------------------------------------------------------------------
create function app_private.rollup_and_drop_metric_samples(retain_days integer default null)
  returns table (partition_name text, day date, samples bigint, repaired boolean)
  language plpgsql volatile
  set search_path = pg_catalog
  set lock_timeout = '5s'
as $$
declare
  cfg app_private.execution_settings;
  v_keep integer;
  v_cutoff date;
  p record;
  v_day date;
  v_bad integer;
begin
  select * into cfg from app_private.execution_settings;
  v_keep := coalesce(retain_days, cfg.raw_sample_retention_days);
  v_cutoff := (now() at time zone 'UTC')::date - v_keep;
  for p in
    select c.relname, substring(c.relname from '_p(\d{8})$')::date as d
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'app_public.execution_metric_samples'::regclass and c.relname ~ '_p\d{8}$'
       and substring(c.relname from '_p(\d{8})$')::date < v_cutoff
     order by 2
  loop
    v_day := p.d;
    partition_name := 'app_partitions.' || p.relname;
    day := v_day;
    execute format('select count(*) from app_partitions.%I', p.relname) into samples;
    -- Do the day rollups hold exactly this partition's samples (per workflow, counts and duration sums)?
    execute format($q$
      select count(*) from (
        select s.workflow_id, count(*) as n, coalesce(sum(s.duration_ms), 0) as d
          from app_partitions.%I s group by 1) raw
      full join (
        select r.workflow_id, sum(r.total) as n, sum(r.duration_sum_ms) as d
          from app_public.execution_metric_rollups r
         where r.granularity = 'day' and r.bucket = $1 group by 1) rolled on rolled.workflow_id = raw.workflow_id
      where raw.n is distinct from rolled.n or raw.d is distinct from rolled.d$q$, p.relname)
      into v_bad using v_day::timestamp at time zone 'UTC';
    repaired := v_bad > 0;
    if repaired then
      delete from app_public.execution_metric_rollups r
       where r.bucket >= v_day::timestamp at time zone 'UTC' and r.bucket < (v_day + 1)::timestamp at time zone 'UTC';
      execute format($q$
        insert into app_public.execution_metric_rollups (
          workflow_id, team_id, granularity, bucket, shard, total, succeeded, failed, cancelled, timed_out, crashed, other,
          duration_count, duration_sum_ms, duration_min_ms, duration_max_ms, duration_histogram, node_count, failed_node_count)
        select s.workflow_id, min(s.team_id::text)::uuid, g.granularity, date_trunc(g.granularity, s.recorded_at, 'UTC'), 0,
               count(*), count(*) filter (where s.state = 'succeeded'), count(*) filter (where s.state = 'failed'),
               count(*) filter (where s.state = 'cancelled'), count(*) filter (where s.state = 'timed_out'),
               count(*) filter (where s.state = 'crashed'),
               count(*) filter (where s.state not in ('succeeded', 'failed', 'cancelled', 'timed_out', 'crashed')),
               count(s.duration_ms), coalesce(sum(s.duration_ms), 0), min(s.duration_ms), max(s.duration_ms),
               app_hidden.duration_histogram(array_agg(s.duration_ms)), sum(s.node_count), sum(s.failed_node_count)
          from app_partitions.%I s
         cross join (values ('minute'), ('hour'), ('day')) g(granularity)
         where exists (select 1 from app_public.workflows w where w.id = s.workflow_id)
         group by s.workflow_id, g.granularity, date_trunc(g.granularity, s.recorded_at, 'UTC')$q$, p.relname);
    end if;
    execute format('drop table app_partitions.%I', p.relname);
    return next;
  end loop;

  delete from app_public.execution_metric_rollups r
   where r.granularity = 'minute' and r.bucket < now() - make_interval(days => cfg.minute_rollup_retention_days);
  delete from app_public.execution_metric_rollups r
   where r.granularity = 'hour' and r.bucket < now() - make_interval(days => cfg.hour_rollup_retention_days);
  delete from app_private.execution_idempotency_keys k
   where k.created_at < now() - make_interval(days => cfg.idempotency_key_retention_days);
end;
$$;
comment on function app_private.rollup_and_drop_metric_samples(integer) is 'Run by the execution_metrics_retention task: for each raw metric sample partition older than retain_days (default execution_settings.raw_sample_retention_days), checks that the day rollups equal the raw data (rebuilding that day''s minute/hour/day rollups from raw when not), then drops the partition. Also prunes minute/hour rollups and idempotency keys past their retention.';

------------------------------------------------------------------------------------------------------------
-- PUBLIC keeps EXECUTE on new functions (a per-schema ALTER DEFAULT PRIVILEGES cannot revoke the global
-- default), so revoke it explicitly: only the grants above apply.
------------------------------------------------------------------------------------------------------------
revoke execute on function
  app_private.uuid_v7_at(timestamptz),
  app_hidden.execution_created_at(uuid),
  app_hidden.duration_bucket(bigint),
  app_hidden.duration_bucket_value(integer),
  app_hidden.duration_histogram(bigint[]),
  app_hidden.int_array_add(integer[], integer[]),
  app_hidden.histogram_percentile(integer[], double precision),
  app_private.tg_executions__terminal_immutable(),
  app_private.tg_execution_transitions__chain(),
  app_private.tg_execution_transitions__immutable(),
  app_private.tg_execution_metric_samples__rollup(),
  app_private.start_execution(uuid, text, jsonb, text, uuid, boolean),
  app_public.start_execution(uuid, text, jsonb, text),
  app_private.apply_execution_transitions(jsonb, uuid, boolean),
  app_private.transition_execution(uuid, text, text, jsonb, uuid, boolean),
  app_public.transition_execution(uuid, text, text, jsonb),
  app_public.transition_executions(jsonb),
  app_private.lock_execution_for_node_run(uuid, boolean),
  app_private.record_node_run_start(uuid, text, integer, uuid, boolean),
  app_private.record_node_run_finish(uuid, text, integer, text, jsonb, jsonb, boolean),
  app_public.record_node_run_start(uuid, text, integer, uuid),
  app_public.record_node_run_finish(uuid, text, text, jsonb, jsonb, integer),
  app_public.lookup_execution(uuid),
  app_public.execution_transition_history(uuid),
  app_private.execution_history(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer, boolean),
  app_public.execution_history(uuid, uuid, text, timestamptz, timestamptz, timestamptz, uuid, integer),
  app_public.execution_metrics_series(timestamptz, timestamptz, text, uuid, uuid),
  app_private.rollup_and_drop_metric_samples(integer)
from public;
