--! Previous: sha1:0658961faabf22f9eedd5ddc6ce338225718f31d
--! Hash: sha1:1caacff56167a7c9b0c9728c8b6adc29b3adfe82
--! Message: Lifecycle: retention policies with a dry run, per-team usage and budgets, bulk actions by filter

--! split: 850-lifecycle.sql
------------------------------------------------------------------------------------------------------------
-- Per-team data lifecycle. See docs/lifecycle.md.
--   1. Retention policies per team / workflow; SQL decides what is due (archive, trim, delete);
--      app_public.retention_plan(team_id) is the dry run of exactly that.
--   2. Usage per team kept incrementally (append-only deltas folded by a task; reads add the tail), budgets
--      enforced at start through sharded allotments (exact, no single hot row), a warning event at a threshold.
--   3. Bulk actions by filter (cancel / retry / delete), run in batches by the worker, keyset progress in
--      the action's own row: resumable, each execution acted on once, through the existing engine.
------------------------------------------------------------------------------------------------------------

------------------------------------------------------------------------------------------------------------
-- Shared helpers
------------------------------------------------------------------------------------------------------------
create table app_private.lifecycle_settings (
  id boolean primary key default true constraint lifecycle_settings_one_row check (id),
  default_hot_days integer constraint lifecycle_settings_hot_days_range check (default_hot_days between 1 and 3650),
  default_cold_days integer constraint lifecycle_settings_cold_days_range check (default_cold_days between 1 and 36500),
  budget_shards integer not null default 16 constraint lifecycle_settings_budget_shards_range check (budget_shards between 1 and 256)
);
alter table app_private.lifecycle_settings enable row level security;
comment on table app_private.lifecycle_settings is 'One row. default_hot_days / default_cold_days: the retention of executions no policy covers (null: the archiver''s ARCHIVE_HOT_DAYS / ARCHIVE_COLD_DAYS, and 30 / 365 in retention_plan). budget_shards: allotment shards per team and month (exact budgets without one hot row).';
insert into app_private.lifecycle_settings (id) values (true);

create function app_private.budget_month(at timestamptz default now()) returns date
  language sql stable
as $$ select (date_trunc('month', at at time zone 'UTC'))::date; $$;
comment on function app_private.budget_month(timestamptz) is 'The budget period (UTC month) of a moment.';

create function app_private.lifecycle_require_admin(team_id uuid) returns void
  language plpgsql stable security definer
  set search_path = pg_catalog
as $$
begin
  if team_id is null then
    raise exception 'team_id is required' using errcode = 'LFVAL', detail = 'field: team_id';
  end if;
  if not app_hidden.has_team_role(lifecycle_require_admin.team_id, 'viewer') then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  if not app_hidden.has_team_role(lifecycle_require_admin.team_id, 'admin') then
    raise exception 'only a team owner or admin may do this' using errcode = 'LFDNY', detail = 'role: admin';
  end if;
end;
$$;
comment on function app_private.lifecycle_require_admin(uuid) is 'Access check of the lifecycle functions: outsiders get LFNTF (the team is not visible), members below admin LFDNY.';

create function app_private.lifecycle_require_member(team_id uuid) returns boolean
  language plpgsql stable security definer
  set search_path = pg_catalog
as $$
begin
  if team_id is null or not app_hidden.has_team_role(lifecycle_require_member.team_id, 'viewer') then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  return true;
end;
$$;
comment on function app_private.lifecycle_require_member(uuid) is 'Access check of the lifecycle read functions: true for members (viewer and up), LFNTF otherwise.';

create function app_private.lifecycle_event(team_id uuid, type text, data jsonb) returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  perform 1 from app_private.append_events(
    'lifecycle-' || lifecycle_event.team_id::text, 'lifecycle', null,
    jsonb_build_array(jsonb_build_object('type', lifecycle_event.type, 'data', data || jsonb_build_object('team_id', lifecycle_event.team_id),
      'metadata', jsonb_build_object('actor', app_public.current_user_id()))),
    lifecycle_event.team_id);
end;
$$;
comment on function app_private.lifecycle_event(uuid, text, jsonb) is 'Appends one lifecycle event (policy, budget, bulk action) to the stream lifecycle-<team> through the event store''s append.';

------------------------------------------------------------------------------------------------------------
-- 1. Retention policies
------------------------------------------------------------------------------------------------------------
create table app_public.retention_policies (
  team_id uuid not null references app_public.teams (id) on delete cascade,
  id uuid not null default app_public.uuid_generate_v7(),
  workflow_id uuid references app_public.workflows (id) on delete cascade,
  hot_days integer not null constraint retention_policies_hot_days_range check (hot_days between 1 and 3650),
  cold_days integer not null constraint retention_policies_cold_days_range check (cold_days between 1 and 36500),
  node_output text not null default 'keep' constraint retention_policies_node_output_known check (node_output in ('keep', 'trim', 'drop')),
  node_output_after_days integer constraint retention_policies_node_output_after_days_range check (node_output_after_days between 0 and 3650),
  node_output_max_bytes integer constraint retention_policies_node_output_max_bytes_range check (node_output_max_bytes between 16 and 1048576),
  updated_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint retention_policies_pkey primary key (team_id, id),
  constraint retention_policies_team_id_workflow_id_key unique nulls not distinct (team_id, workflow_id),
  constraint retention_policies_cold_after_hot check (cold_days >= hot_days),
  constraint retention_policies_node_output_days check (node_output = 'keep' or node_output_after_days is not null),
  constraint retention_policies_node_output_size check (node_output <> 'trim' or node_output_max_bytes is not null)
);
create index retention_policies_workflow_id_idx on app_public.retention_policies (workflow_id) where workflow_id is not null;
alter table app_public.retention_policies enable row level security;
create policy select_member on app_public.retention_policies for select using (team_id in (select app_hidden.current_user_team_ids('viewer')));
grant select on app_public.retention_policies to linkflow_visitor;
comment on table app_public.retention_policies is E'Retention of a team''s executions (workflow_id null: the team''s policy) or of one workflow''s (overrides the team''s). hot_days: terminal executions older than this move to cold storage (archive). cold_days: archive files whose executions are all older than this are deleted (counted from creation, >= hot_days). node_output: keep | trim (outputs larger than node_output_max_bytes become a preview of that many characters) | drop (outputs removed), for node runs of terminal executions older than node_output_after_days. Active legal holds override every policy. Without a policy: app_private.archive_retention, then app_private.lifecycle_settings, then the archiver''s defaults. Managed by owners/admins with set_retention_policy / delete_retention_policy.';
comment on column app_public.retention_policies.team_id is 'The team (first column of every key: the distribution column).';
comment on column app_public.retention_policies.updated_by is E'@behavior -*\nWho last changed the policy (audit).';

create function app_public.set_retention_policy(
    team_id uuid, hot_days integer, cold_days integer, workflow_id uuid default null,
    node_output text default 'keep', node_output_after_days integer default null, node_output_max_bytes integer default null)
  returns app_public.retention_policies
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v app_public.retention_policies;
begin
  perform app_private.lifecycle_require_admin(set_retention_policy.team_id);
  if set_retention_policy.workflow_id is not null and not exists (
      select 1 from app_public.workflows w where w.id = set_retention_policy.workflow_id and w.team_id = set_retention_policy.team_id) then
    raise exception 'workflow not found in this team' using errcode = 'LFNTF', detail = 'field: workflow_id';
  end if;
  if hot_days is null or hot_days not between 1 and 3650 then
    raise exception 'hot_days must be between 1 and 3650' using errcode = 'LFVAL', detail = 'field: hot_days';
  end if;
  if cold_days is null or cold_days not between hot_days and 36500 then
    raise exception 'cold_days must be between hot_days and 36500' using errcode = 'LFVAL', detail = 'field: cold_days';
  end if;
  if node_output is null or node_output not in ('keep', 'trim', 'drop') then
    raise exception 'node_output must be keep, trim or drop' using errcode = 'LFVAL', detail = 'field: node_output';
  end if;
  if node_output <> 'keep' and (node_output_after_days is null or node_output_after_days not between 0 and 3650) then
    raise exception 'node_output_after_days must be between 0 and 3650' using errcode = 'LFVAL', detail = 'field: node_output_after_days';
  end if;
  if node_output = 'trim' and (node_output_max_bytes is null or node_output_max_bytes not between 16 and 1048576) then
    raise exception 'node_output_max_bytes must be between 16 and 1048576' using errcode = 'LFVAL', detail = 'field: node_output_max_bytes';
  end if;
  insert into app_public.retention_policies as p (team_id, workflow_id, hot_days, cold_days, node_output, node_output_after_days, node_output_max_bytes, updated_by)
  values (set_retention_policy.team_id, set_retention_policy.workflow_id, hot_days, cold_days, node_output,
          case when node_output <> 'keep' then node_output_after_days end, case when node_output = 'trim' then node_output_max_bytes end,
          app_public.current_user_id())
  on conflict on constraint retention_policies_team_id_workflow_id_key do update
     set hot_days = excluded.hot_days, cold_days = excluded.cold_days, node_output = excluded.node_output,
         node_output_after_days = excluded.node_output_after_days, node_output_max_bytes = excluded.node_output_max_bytes,
         updated_by = excluded.updated_by, updated_at = now()
  returning * into v;
  perform app_private.lifecycle_event(v.team_id, 'RetentionPolicyChanged', jsonb_build_object('policy_id', v.id, 'workflow_id', v.workflow_id,
    'hot_days', v.hot_days, 'cold_days', v.cold_days, 'node_output', v.node_output,
    'node_output_after_days', v.node_output_after_days, 'node_output_max_bytes', v.node_output_max_bytes));
  return v;
end;
$$;
comment on function app_public.set_retention_policy(uuid, integer, integer, uuid, text, integer, integer) is 'Creates or replaces the retention policy of a team (workflow_id null) or of one of its workflows. Owner/admin only (LFDNY; outsiders LFNTF); bad values LFVAL naming the field. Appends RetentionPolicyChanged to lifecycle-<team>.';

create function app_public.delete_retention_policy(team_id uuid, workflow_id uuid default null)
  returns boolean
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v_id uuid;
begin
  perform app_private.lifecycle_require_admin(delete_retention_policy.team_id);
  delete from app_public.retention_policies p
   where p.team_id = delete_retention_policy.team_id and p.workflow_id is not distinct from delete_retention_policy.workflow_id
  returning p.id into v_id;
  if v_id is null then
    return false;
  end if;
  perform app_private.lifecycle_event(delete_retention_policy.team_id, 'RetentionPolicyDeleted',
    jsonb_build_object('policy_id', v_id, 'workflow_id', delete_retention_policy.workflow_id));
  return true;
end;
$$;
comment on function app_public.delete_retention_policy(uuid, uuid) is E'@resultFieldName retentionPolicyDeleted\nRemoves the team''s (workflow_id null) or a workflow''s retention policy; the next broader one applies. Owner/admin only. Returns false when there was none.';

create function app_private.execution_bytes(r app_public.executions) returns bigint
  language sql immutable parallel safe
as $$
  select (24 + coalesce(pg_column_size(r.id), 0) + coalesce(pg_column_size(r.created_at), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.workflow_id), 0) + coalesce(pg_column_size(r.workflow_version), 0) + coalesce(pg_column_size(r.state), 0) + coalesce(pg_column_size(r.trigger_type), 0) + coalesce(pg_column_size(r.trigger_id), 0) + coalesce(pg_column_size(r.input), 0) + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.error), 0) + coalesce(pg_column_size(r.attempt), 0) + coalesce(pg_column_size(r.idempotency_key), 0) + coalesce(pg_column_size(r.version), 0) + coalesce(pg_column_size(r.started_at), 0) + coalesce(pg_column_size(r.finished_at), 0) + coalesce(pg_column_size(r.duration_ms), 0) + coalesce(pg_column_size(r.updated_at), 0))::bigint;
$$;
comment on function app_private.execution_bytes(app_public.executions) is 'The bytes a row of executions counts for in usage and retention plans: a 24-byte row header plus pg_column_size of every column value. Column by column because pg_column_size of a whole row depends on how the row reached the expression (a transition table, a scan, a join) by a few header bytes.';

create function app_private.execution_transition_bytes(r app_public.execution_transitions) returns bigint
  language sql immutable parallel safe
as $$
  select (24 + coalesce(pg_column_size(r.execution_id), 0) + coalesce(pg_column_size(r.execution_created_at), 0) + coalesce(pg_column_size(r.seq), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.from_state), 0) + coalesce(pg_column_size(r.to_state), 0) + coalesce(pg_column_size(r.at), 0) + coalesce(pg_column_size(r.actor_id), 0) + coalesce(pg_column_size(r.reason), 0) + coalesce(pg_column_size(r.details), 0))::bigint;
$$;
comment on function app_private.execution_transition_bytes(app_public.execution_transitions) is 'The bytes a row of execution_transitions counts for in usage and retention plans: a 24-byte row header plus pg_column_size of every column value. Column by column because pg_column_size of a whole row depends on how the row reached the expression (a transition table, a scan, a join) by a few header bytes.';

create function app_private.execution_node_run_bytes(r app_public.execution_node_runs) returns bigint
  language sql immutable parallel safe
as $$
  select (24 + coalesce(pg_column_size(r.execution_id), 0) + coalesce(pg_column_size(r.execution_created_at), 0) + coalesce(pg_column_size(r.team_id), 0) + coalesce(pg_column_size(r.node_name), 0) + coalesce(pg_column_size(r.node_id), 0) + coalesce(pg_column_size(r.attempt), 0) + coalesce(pg_column_size(r.status), 0) + coalesce(pg_column_size(r.started_at), 0) + coalesce(pg_column_size(r.finished_at), 0) + coalesce(pg_column_size(r.output), 0) + coalesce(pg_column_size(r.error), 0))::bigint;
$$;
comment on function app_private.execution_node_run_bytes(app_public.execution_node_runs) is 'The bytes a row of execution_node_runs counts for in usage and retention plans: a 24-byte row header plus pg_column_size of every column value. Column by column because pg_column_size of a whole row depends on how the row reached the expression (a transition table, a scan, a join) by a few header bytes.';

-- What is due. These three functions are the one home of the rules; the archiver, the trim task, the cold
-- expiry and the dry run all read them. Plain SQL without SET clauses so the planner inlines them (partition
-- pruning and index use pass through).
create function app_private.lifecycle_archive_due(default_hot_days integer, only_team_id uuid default null, at timestamptz default now())
  returns table (execution_id uuid, created_at timestamptz, team_id uuid, workflow_id uuid, state text, day date)
  language sql stable
as $$
  select e.id, e.created_at, e.team_id, e.workflow_id, e.state, (e.created_at at time zone 'UTC')::date
    from app_public.executions e
    left join app_public.retention_policies wp on wp.team_id = e.team_id and wp.workflow_id = e.workflow_id
    left join app_public.retention_policies tp on tp.team_id = e.team_id and tp.workflow_id is null
    left join app_private.archive_retention r on r.team_id = e.team_id
   where (only_team_id is null or e.team_id = only_team_id)
     and e.state = any (app_hidden.execution_terminal_states())
     and e.created_at < at - make_interval(days => coalesce(wp.hot_days, tp.hot_days, r.hot_days,
           (select s.default_hot_days from app_private.lifecycle_settings s), default_hot_days))
     and not exists (select 1 from app_private.archived_executions a where a.execution_id = e.id)
     and not exists (select 1 from app_private.archive_restored_executions x where x.execution_id = e.id and x.keep_until > at)
     and not app_private.archive_is_held(e.team_id, e.workflow_id, e.id);
$$;
comment on function app_private.lifecycle_archive_due(integer, uuid, timestamptz) is 'Executions due for the archive now: terminal, older than their hot retention (workflow policy, team policy, archive_retention, lifecycle_settings, then default_hot_days), not archived, not recently restored, not under legal hold.';

create function app_private.lifecycle_trim_due(default_hot_days integer, only_team_id uuid default null, at timestamptz default now())
  returns table (execution_id uuid, execution_created_at timestamptz, team_id uuid, node_name text, attempt integer,
                 mode text, new_output jsonb, bytes_freed bigint)
  language sql stable
as $$
  select n.execution_id, n.execution_created_at, n.team_id, n.node_name, n.attempt, p.node_output, t.new_output,
         (pg_column_size(n.output) - z.stored)::bigint
    from app_public.execution_node_runs n
    join app_public.executions e on e.id = n.execution_id and e.created_at = n.execution_created_at
    left join app_public.retention_policies wp on wp.team_id = e.team_id and wp.workflow_id = e.workflow_id
    left join app_public.retention_policies tp on tp.team_id = e.team_id and tp.workflow_id is null
    cross join lateral (select coalesce(wp.node_output, tp.node_output, 'keep') as node_output,
                               case when wp.id is not null then wp.node_output_after_days else tp.node_output_after_days end as after_days,
                               case when wp.id is not null then wp.node_output_max_bytes else tp.node_output_max_bytes end as max_bytes) p
    cross join lateral (select case p.node_output
             when 'drop' then jsonb_build_object('$trimmed', octet_length(n.output::text))
             else jsonb_build_object('$trimmed', octet_length(n.output::text), 'preview', left(n.output::text, p.max_bytes)) end as new_output) t
    -- a new value of at most 130 bytes is stored with a 1-byte header instead of 4 (short varlena)
    cross join lateral (select case when pg_column_size(t.new_output) <= 130 then pg_column_size(t.new_output) - 3
                                    else pg_column_size(t.new_output) end as stored) z
   where (only_team_id is null or n.team_id = only_team_id)
     and p.node_output in ('trim', 'drop')
     and n.output is not null
     and not (jsonb_typeof(n.output) = 'object' and n.output ? '$trimmed')
     and (p.node_output = 'drop' or octet_length(n.output::text) > p.max_bytes)
     -- only when it frees space (a small output stays as it is: the marker would be larger)
     and z.stored < pg_column_size(n.output)
     and e.state = any (app_hidden.execution_terminal_states())
     and e.created_at < at - make_interval(days => p.after_days)
     and not app_private.archive_is_held(e.team_id, e.workflow_id, e.id)
     -- executions leaving the hot tables in this pass are archived as they are
     and not exists (select 1 from app_private.lifecycle_archive_due(default_hot_days, e.team_id, at) d
                      where d.execution_id = e.id and d.created_at = e.created_at);
$$;
comment on function app_private.lifecycle_trim_due(integer, uuid, timestamptz) is 'Node-run outputs due for trimming now: terminal executions older than node_output_after_days under a trim or drop policy, not yet trimmed, not under legal hold and not due for the archive (those are archived as they are). new_output is what the output becomes: {"$trimmed": <length of the original JSON text>}, plus "preview" (its first node_output_max_bytes characters) when trimming; outputs the marker would not make smaller stay as they are; bytes_freed = pg_column_size(old) - the stored size of new (a value of at most 130 bytes gets a 1-byte header; previews above the TOAST threshold, ~2 kB, may be compressed on storage and free a little more).';

create function app_private.lifecycle_expire_due(default_cold_days integer, only_team_id uuid default null, at timestamptz default now())
  returns table (batch_id uuid, team_id uuid, key text, row_count integer, bytes bigint, max_created_at timestamptz)
  language sql stable
as $$
  select x.id, x.team_id, x.key, x.row_count, x.bytes, x.max_created_at
    from app_private.archive_batches x
   where x.state = 'deleted'
     and (only_team_id is null or x.team_id = only_team_id)
     and not exists (
       select 1 from app_private.archived_executions a
         left join app_public.retention_policies wp on wp.team_id = a.team_id and wp.workflow_id = a.workflow_id
         left join app_public.retention_policies tp on tp.team_id = a.team_id and tp.workflow_id is null
         left join app_private.archive_retention r on r.team_id = a.team_id
        where a.batch_id = x.id
          and a.created_at >= at - make_interval(days => coalesce(wp.cold_days, tp.cold_days, r.cold_days,
                (select s.default_cold_days from app_private.lifecycle_settings s), default_cold_days)))
     and not app_private.archive_batch_is_held(x.id);
$$;
comment on function app_private.lifecycle_expire_due(integer, uuid, timestamptz) is 'Archive batches due for deletion now: in cold storage (deleted from the hot tables), every execution older than its cold retention (per workflow/team policy, archive_retention, lifecycle_settings, then default_cold_days), no legal hold on any of them.';

-- The archiver asks the policies (same signatures as before: default_hot_days / default_cold_days are the
-- fallback for executions no policy covers).
create or replace function app_private.archive_candidates(default_hot_days integer, terminal_before timestamptz default now())
  returns table (team_id uuid, day date, executions bigint)
  language sql stable
  set search_path = pg_catalog
as $$
  select d.team_id, d.day, count(*) from app_private.lifecycle_archive_due(default_hot_days, null, terminal_before) d
   group by 1, 2 order by 2, 1;
$$;
comment on function app_private.archive_candidates(integer, timestamptz) is 'Teams and UTC days with executions due for the archive under the retention policies (app_private.lifecycle_archive_due; default_hot_days is the fallback).';

create or replace function app_private.archive_plan_batch(team_id uuid, day date, max_rows integer, default_hot_days integer,
    key_prefix text default 'executions', encrypted boolean default false)
  returns uuid
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_no integer;
  v_id uuid;
  v_key text;
  v_count integer;
begin
  if max_rows is null or max_rows < 1 then
    raise exception 'max_rows must be positive' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  -- one planner per team at a time
  perform pg_advisory_xact_lock(hashtext('archive_plan:' || archive_plan_batch.team_id::text));
  create temporary table if not exists archive_plan_rows (id uuid, created_at timestamptz, workflow_id uuid, state text) on commit drop;
  truncate archive_plan_rows;
  insert into archive_plan_rows
  select d.execution_id, d.created_at, d.workflow_id, d.state
    from app_private.lifecycle_archive_due(default_hot_days, archive_plan_batch.team_id) d
   where d.created_at >= archive_plan_batch.day::timestamp at time zone 'UTC' and d.created_at < (archive_plan_batch.day + 1)::timestamp at time zone 'UTC'
   order by d.created_at, d.execution_id
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
comment on function app_private.archive_plan_batch(uuid, date, integer, integer, text, boolean) is 'Plans the next batch of a team''s day: up to max_rows executions due under the retention policies (app_private.lifecycle_archive_due) are assigned to a new manifest row (state planned, deterministic key <prefix>/team_id=<team>/date=<day>/<batch_no>.parquet) and indexed with their row number (newest first). Returns the batch id, or null when nothing is left.';

create or replace function app_private.archive_expire_batches(default_cold_days integer, max_batches integer default 1000)
  returns table (batch_id uuid, key text)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  b record;
begin
  for b in
    select x.id, x.team_id, x.key from app_private.archive_batches x
     where x.id in (select d.batch_id from app_private.lifecycle_expire_due(default_cold_days) d)
     order by x.max_created_at
     limit max_batches
     for update of x skip locked
  loop
    continue when app_private.archive_batch_is_held(b.id);
    update app_private.archive_batches x set state = 'expired', expired_at = now(), updated_at = now() where x.id = b.id and x.state = 'deleted';
    continue when not found;
    insert into app_private.archive_object_deletions (key, reason) values (b.key, 'expired') on conflict do nothing;
    perform app_private.archive_event(b.team_id, 'ArchiveBatchExpired', jsonb_build_object('batch_id', b.id, 'key', b.key));
    batch_id := b.id; key := b.key;
    return next;
  end loop;
end;
$$;
comment on function app_private.archive_expire_batches(integer, integer) is 'Cold retention: batches due under the retention policies (app_private.lifecycle_expire_due; default_cold_days is the fallback) that no legal hold covers become expired; their files are queued for deletion; manifest entries (and the index) are kept.';

create function app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer default 5000, only_team_id uuid default null)
  returns table (team_id uuid, node_runs integer, bytes_freed bigint)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  if max_rows is null or max_rows not between 1 and 100000 then
    raise exception 'max_rows must be between 1 and 100000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  return query
  with due as (
    select d.* from app_private.lifecycle_trim_due(default_hot_days, only_team_id) d
     order by d.execution_created_at, d.execution_id, d.node_name, d.attempt
     limit max_rows
  ), upd as (
    update app_public.execution_node_runs n set output = d.new_output
      from due d
     where n.execution_id = d.execution_id and n.execution_created_at = d.execution_created_at
       and n.node_name = d.node_name and n.attempt = d.attempt
    returning n.team_id, d.bytes_freed
  )
  select u.team_id, count(*)::integer, sum(u.bytes_freed)::bigint from upd u group by u.team_id;
end;
$$;
comment on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid) is 'Trims up to max_rows node-run outputs due under the policies (app_private.lifecycle_trim_due) in one statement; returns per team the node runs trimmed and the bytes freed (the dry run''s measure). default_hot_days: the archiver''s fallback hot retention (executions due for the archive are not trimmed). Call until it returns nothing.';

-- The dry run
create type app_public.retention_plan_item as (
  step text,
  execution_id uuid,
  batch_id uuid,
  workflow_id uuid,
  created_at timestamptz,
  executions integer,
  bytes bigint
);
comment on type app_public.retention_plan_item is 'One item of a retention plan. step archive: an execution leaving the hot tables (bytes: what the execution with its transitions and node runs counts for in hot usage, see app_private.execution_bytes). step trim: an execution whose node-run outputs are trimmed or dropped (bytes freed). step delete: an archive batch whose file is deleted (executions in it, file bytes).';

create function app_public.retention_plan(team_id uuid)
  returns setof app_public.retention_plan_item
  language plpgsql stable security definer
  set search_path = pg_catalog
as $$
begin
  perform app_private.lifecycle_require_admin(retention_plan.team_id);
  return query select * from app_private.retention_plan(retention_plan.team_id);
end;
$$;
comment on function app_public.retention_plan(uuid) is 'Dry run of the retention policies for one team: what the archiver, the trim task and the cold expiry would archive, trim and delete next, and the bytes each frees (see retention_plan_item). Changes nothing. Owner/admin only. A pass of the tasks applies exactly these items (tested), unless executions change or holds are placed in between.';

create function app_private.retention_plan(team_id uuid, default_hot_days integer default 30, default_cold_days integer default 365, at timestamptz default now())
  returns setof app_public.retention_plan_item
  language sql stable
  set search_path = pg_catalog
as $$
  with a as (
    select d.execution_id, d.created_at, d.workflow_id from app_private.lifecycle_archive_due(retention_plan.default_hot_days, retention_plan.team_id, retention_plan.at) d
  )
  select 'archive', a.execution_id, null::uuid, a.workflow_id, a.created_at, 1,
         (app_private.execution_bytes(e.*) + coalesce((select sum(app_private.execution_transition_bytes(t.*)) from app_public.execution_transitions t
                                            where t.execution_id = e.id and t.execution_created_at = e.created_at), 0)
                              + coalesce((select sum(app_private.execution_node_run_bytes(n.*)) from app_public.execution_node_runs n
                                            where n.execution_id = e.id and n.execution_created_at = e.created_at), 0))::bigint
    from a join app_public.executions e on e.id = a.execution_id and e.created_at = a.created_at
  union all
  select 'trim', d.execution_id, null, e.workflow_id, d.execution_created_at, 1, sum(d.bytes_freed)::bigint
    from app_private.lifecycle_trim_due(retention_plan.default_hot_days, retention_plan.team_id, retention_plan.at) d
    join app_public.executions e on e.id = d.execution_id and e.created_at = d.execution_created_at
   group by d.execution_id, e.workflow_id, d.execution_created_at
  union all
  select 'delete', null, d.batch_id, null, d.max_created_at, d.row_count, d.bytes
    from app_private.lifecycle_expire_due(retention_plan.default_cold_days, retention_plan.team_id, retention_plan.at) d
   order by 1, 5, 2, 3;
$$;
comment on function app_private.retention_plan(uuid, integer, integer, timestamptz) is 'The dry run (owner; no access check): archive, trim and delete items of one team due at `at`, with the given fallback retentions for executions no policy or setting covers.';

create function app_public.retention_plan_summary(team_id uuid)
  returns table (step text, executions bigint, bytes bigint)
  language sql stable security definer
  set search_path = pg_catalog
as $$
  select p.step, sum(p.executions)::bigint, sum(p.bytes)::bigint from app_public.retention_plan(team_id) p group by p.step order by p.step;
$$;
comment on function app_public.retention_plan_summary(uuid) is 'retention_plan summed per step: executions and bytes freed by archive, trim and delete. Owner/admin only.';

------------------------------------------------------------------------------------------------------------
-- 2. Usage (incremental: append-only deltas, folded by a task, read with the tail) and budgets
------------------------------------------------------------------------------------------------------------
create table app_hidden.team_usage_deltas (
  team_id uuid not null,
  month date,
  hot_executions bigint not null default 0,
  hot_bytes bigint not null default 0,
  cold_executions bigint not null default 0,
  cold_bytes bigint not null default 0,
  events bigint not null default 0,
  started bigint not null default 0
);
alter table app_hidden.team_usage_deltas enable row level security;
comment on table app_hidden.team_usage_deltas is 'Usage changes not yet folded into team_usage: one narrow row per team per writing statement, appended by statement triggers, deleted by app_private.fold_team_usage. No index and no key on purpose (an append is one heap tuple, no shared row in the writer''s transaction). month is set for rows that count started executions.';

create table app_public.team_usage (
  team_id uuid primary key references app_public.teams (id) on delete cascade,
  hot_executions bigint not null default 0,
  hot_bytes bigint not null default 0,
  cold_executions bigint not null default 0,
  cold_bytes bigint not null default 0,
  events bigint not null default 0,
  folded_at timestamptz not null default now()
);
alter table app_public.team_usage enable row level security;
create policy select_member on app_public.team_usage for select using (team_id in (select app_hidden.current_user_team_ids('viewer')));
grant select on app_public.team_usage to linkflow_visitor;
comment on table app_public.team_usage is 'What a team stores, as of the last fold (a few seconds behind; team_usage_now adds the tail and is exact): hot_executions / hot_bytes (rows of executions, transitions and node runs in PostgreSQL, pg_column_size), cold_executions / cold_bytes (executions and file bytes in archive batches serving from cold storage), events (events appended for the team). Written only by app_private.fold_team_usage.';

create table app_public.team_usage_months (
  team_id uuid not null references app_public.teams (id) on delete cascade,
  month date not null,
  executions_started bigint not null default 0,
  constraint team_usage_months_pkey primary key (team_id, month)
);
alter table app_public.team_usage_months enable row level security;
create policy select_member on app_public.team_usage_months for select using (team_id in (select app_hidden.current_user_team_ids('viewer')));
grant select on app_public.team_usage_months to linkflow_visitor;
comment on table app_public.team_usage_months is 'Executions started per team and UTC month (executions inserted with a created_at in that month), as of the last fold.';

-- Statement triggers: one delta row per team per statement.
create function app_private.tg_executions__usage_insert() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  insert into app_hidden.team_usage_deltas (team_id, month, hot_executions, hot_bytes, started)
  select n.team_id, (date_trunc('month', n.created_at at time zone 'UTC'))::date, count(*), sum(app_private.execution_bytes(n.*)), count(*)
    from new_rows n group by 1, 2;
  return null;
end;
$$;
create function app_private.tg_executions__usage_update() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
  select x.team_id, sum(x.b) from (
    select n.team_id, app_private.execution_bytes(n.*) as b from new_rows n
    union all
    select o.team_id, -app_private.execution_bytes(o.*) from old_rows o) x
   group by 1 having sum(x.b) <> 0;
  return null;
end;
$$;
create function app_private.tg_executions__usage_delete() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  insert into app_hidden.team_usage_deltas (team_id, hot_executions, hot_bytes)
  select o.team_id, -count(*), -sum(app_private.execution_bytes(o.*)) from old_rows o group by 1;
  return null;
end;
$$;
-- transitions and node runs: bytes only (the same function for both tables: new_rows / old_rows by operation)
create function app_private.tg_execution_children__usage_insert() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  if tg_table_name = 'execution_transitions' then
    insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
    select n.team_id, sum(app_private.execution_transition_bytes(n.*)) from new_rows n group by 1;
  else
    insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
    select n.team_id, sum(app_private.execution_node_run_bytes(n.*)) from new_rows n group by 1;
  end if;
  return null;
end;
$$;
create function app_private.tg_execution_children__usage_delete() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  if tg_table_name = 'execution_transitions' then
    insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
    select o.team_id, -sum(app_private.execution_transition_bytes(o.*)) from old_rows o group by 1;
  else
    insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
    select o.team_id, -sum(app_private.execution_node_run_bytes(o.*)) from old_rows o group by 1;
  end if;
  return null;
end;
$$;
create function app_private.tg_execution_node_runs__usage_update() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  insert into app_hidden.team_usage_deltas (team_id, hot_bytes)
  select x.team_id, sum(x.b) from (
    select n.team_id, app_private.execution_node_run_bytes(n.*) as b from new_rows n
    union all
    select o.team_id, -app_private.execution_node_run_bytes(o.*) from old_rows o) x
   group by 1 having sum(x.b) <> 0;
  return null;
end;
$$;
create function app_private.tg_events__usage() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  insert into app_hidden.team_usage_deltas (team_id, events)
  select n.team_id, count(*) from new_rows n where n.team_id is not null group by 1;
  return null;
end;
$$;
-- archive batches: cold = batches serving from cold storage (state deleted); when a batch leaves the hot
-- tables by a partition drop (no row triggers), its rows still present are subtracted from hot here.
create function app_private.tg_archive_batches__usage() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_old_rows bigint := case when tg_op <> 'INSERT' and old.state = 'deleted' then old.row_count else 0 end;
  v_old_bytes bigint := case when tg_op <> 'INSERT' and old.state = 'deleted' then coalesce(old.bytes, 0) else 0 end;
  v_new_rows bigint := case when tg_op <> 'DELETE' and new.state = 'deleted' then new.row_count else 0 end;
  v_new_bytes bigint := case when tg_op <> 'DELETE' and new.state = 'deleted' then coalesce(new.bytes, 0) else 0 end;
  v_hot_rows bigint := 0;
  v_hot_bytes bigint := 0;
  v_team uuid := case when tg_op = 'DELETE' then old.team_id else new.team_id end;
begin
  if tg_op = 'UPDATE' and new.state = 'deleted' and old.state <> 'deleted' then
    select count(*), coalesce(sum(app_private.execution_bytes(e.*)
             + coalesce((select sum(app_private.execution_transition_bytes(t.*)) from app_public.execution_transitions t
                          where t.execution_id = e.id and t.execution_created_at = e.created_at), 0)
             + coalesce((select sum(app_private.execution_node_run_bytes(r.*)) from app_public.execution_node_runs r
                          where r.execution_id = e.id and r.execution_created_at = e.created_at), 0)), 0)
      into v_hot_rows, v_hot_bytes
      from app_private.archived_executions a
      join app_public.executions e on e.id = a.execution_id and e.created_at = a.created_at
     where a.batch_id = new.id and e.created_at >= new.min_created_at and e.created_at <= new.max_created_at;
  end if;
  if v_new_rows - v_old_rows <> 0 or v_new_bytes - v_old_bytes <> 0 or v_hot_rows <> 0 then
    insert into app_hidden.team_usage_deltas (team_id, hot_executions, hot_bytes, cold_executions, cold_bytes)
    values (v_team, -v_hot_rows, -v_hot_bytes, v_new_rows - v_old_rows, v_new_bytes - v_old_bytes);
  end if;
  return null;
end;
$$;
comment on function app_private.tg_archive_batches__usage() is 'Usage of cold storage: a batch counts (row_count, bytes) while it serves from cold (state deleted). When a batch becomes deleted while its rows are still hot (the partition drop removes them without row triggers), those rows are subtracted from hot usage here.';

create trigger _900_usage_insert after insert on app_public.executions referencing new table as new_rows
  for each statement execute function app_private.tg_executions__usage_insert();
create trigger _900_usage_update after update on app_public.executions referencing old table as old_rows new table as new_rows
  for each statement execute function app_private.tg_executions__usage_update();
create trigger _900_usage_delete after delete on app_public.executions referencing old table as old_rows
  for each statement execute function app_private.tg_executions__usage_delete();
create trigger _900_usage_insert after insert on app_public.execution_transitions referencing new table as new_rows
  for each statement execute function app_private.tg_execution_children__usage_insert();
create trigger _900_usage_delete after delete on app_public.execution_transitions referencing old table as old_rows
  for each statement execute function app_private.tg_execution_children__usage_delete();
create trigger _900_usage_insert after insert on app_public.execution_node_runs referencing new table as new_rows
  for each statement execute function app_private.tg_execution_children__usage_insert();
create trigger _900_usage_update after update on app_public.execution_node_runs referencing old table as old_rows new table as new_rows
  for each statement execute function app_private.tg_execution_node_runs__usage_update();
create trigger _900_usage_delete after delete on app_public.execution_node_runs referencing old table as old_rows
  for each statement execute function app_private.tg_execution_children__usage_delete();
create trigger _900_usage after insert on app_public.events referencing new table as new_rows
  for each statement execute function app_private.tg_events__usage();
create trigger _900_usage after insert or update or delete on app_private.archive_batches
  for each row execute function app_private.tg_archive_batches__usage();
comment on function app_private.tg_executions__usage_insert() is 'Statement trigger: appends the inserted executions (count, bytes, started per UTC month of created_at) to team_usage_deltas.';
comment on function app_private.tg_executions__usage_update() is 'Statement trigger: appends the size change of updated executions to team_usage_deltas.';
comment on function app_private.tg_executions__usage_delete() is 'Statement trigger: appends the deleted executions (count, bytes) to team_usage_deltas.';
comment on function app_private.tg_execution_children__usage_insert() is 'Statement trigger (transitions, node runs): appends the inserted rows'' bytes to team_usage_deltas.';
comment on function app_private.tg_execution_children__usage_delete() is 'Statement trigger (transitions, node runs): appends the deleted rows'' bytes to team_usage_deltas.';
comment on function app_private.tg_execution_node_runs__usage_update() is 'Statement trigger: appends the size change of updated node runs (outputs written, trimmed) to team_usage_deltas.';
comment on function app_private.tg_events__usage() is 'Statement trigger: appends the number of events appended per team to team_usage_deltas.';

create function app_private.fold_team_usage(max_rows integer default 50000)
  returns integer
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_n integer;
begin
  with taken as (
    delete from app_hidden.team_usage_deltas q
     where q.ctid = any (array(select x.ctid from app_hidden.team_usage_deltas x limit max_rows for update skip locked))
    returning q.*
  ), totals as (
    select t.team_id, sum(t.hot_executions) he, sum(t.hot_bytes) hb, sum(t.cold_executions) ce, sum(t.cold_bytes) cb,
           sum(t.events) ev, count(*) n
      from taken t group by t.team_id
  ), months as (
    select t.team_id, t.month, sum(t.started) s from taken t where t.month is not null and t.started <> 0 group by 1, 2
  ), up_usage as (
    insert into app_public.team_usage as u (team_id, hot_executions, hot_bytes, cold_executions, cold_bytes, events, folded_at)
    select x.team_id, x.he, x.hb, x.ce, x.cb, x.ev, now() from totals x
     where exists (select 1 from app_public.teams tm where tm.id = x.team_id)
     order by x.team_id
    on conflict (team_id) do update
       set hot_executions = u.hot_executions + excluded.hot_executions, hot_bytes = u.hot_bytes + excluded.hot_bytes,
           cold_executions = u.cold_executions + excluded.cold_executions, cold_bytes = u.cold_bytes + excluded.cold_bytes,
           events = u.events + excluded.events, folded_at = now()
    returning 1
  ), up_months as (
    insert into app_public.team_usage_months as m (team_id, month, executions_started)
    select x.team_id, x.month, x.s from months x
     where exists (select 1 from app_public.teams tm where tm.id = x.team_id)
     order by x.team_id, x.month
    on conflict (team_id, month) do update set executions_started = m.executions_started + excluded.executions_started
    returning 1
  )
  select coalesce(sum(x.n), 0)::integer into v_n from totals x
   where (select count(*) from up_usage) >= 0 and (select count(*) from up_months) >= 0;
  return v_n;
end;
$$;
comment on function app_private.fold_team_usage(integer) is 'Folds up to max_rows usage deltas into team_usage / team_usage_months in one statement (rows taken FOR UPDATE SKIP LOCKED, deleted in the same commit that adds them: never counted twice or lost; two folds at once take disjoint rows). Deltas of deleted teams are dropped. Returns the rows folded.';

create function app_private.team_usage(team_id uuid)
  returns table (team_id uuid, hot_executions bigint, hot_bytes bigint, cold_executions bigint, cold_bytes bigint, events bigint,
                 executions_this_month bigint, month date)
  language sql stable
  set search_path = pg_catalog
as $$
  select team_usage.team_id,
         coalesce(u.hot_executions, 0) + coalesce(q.he, 0), coalesce(u.hot_bytes, 0) + coalesce(q.hb, 0),
         coalesce(u.cold_executions, 0) + coalesce(q.ce, 0), coalesce(u.cold_bytes, 0) + coalesce(q.cb, 0),
         coalesce(u.events, 0) + coalesce(q.ev, 0),
         coalesce(m.executions_started, 0) + coalesce(q.st, 0), app_private.budget_month()
    from (select 1) one
    left join app_public.team_usage u on u.team_id = team_usage.team_id
    left join app_public.team_usage_months m on m.team_id = team_usage.team_id and m.month = app_private.budget_month()
    cross join (select sum(d.hot_executions)::bigint he, sum(d.hot_bytes)::bigint hb, sum(d.cold_executions)::bigint ce,
                       sum(d.cold_bytes)::bigint cb, sum(d.events)::bigint ev,
                       (sum(d.started) filter (where d.month = app_private.budget_month()))::bigint st
                  from app_hidden.team_usage_deltas d where d.team_id = team_usage.team_id) q;
$$;
comment on function app_private.team_usage(uuid) is 'A team''s usage now, exact (owner; no access check): the folded team_usage plus the deltas not yet folded, in one snapshot. executions_this_month: executions started in the current UTC month.';

create function app_public.team_usage_now(team_id uuid)
  returns table (team_id uuid, hot_executions bigint, hot_bytes bigint, cold_executions bigint, cold_bytes bigint, events bigint,
                 executions_this_month bigint, month date)
  language sql stable security definer
  set search_path = pg_catalog
as $$
  select u.* from app_private.lifecycle_require_member(team_usage_now.team_id) ok, app_private.team_usage(team_usage_now.team_id) u where ok;
$$;
comment on function app_public.team_usage_now(uuid) is 'A team''s usage now, exact: hot_executions / hot_bytes (rows in PostgreSQL), cold_executions / cold_bytes (archive batches serving from cold storage), events, executions_this_month (started in the current UTC month): the folded team_usage plus the deltas not yet folded, in one snapshot. Any member (viewer); outsiders get LFNTF.';

create function app_private.reconcile_team_usage(team_id uuid)
  returns table (hot_executions bigint, hot_bytes bigint, cold_executions bigint, cold_bytes bigint, events bigint)
  language sql volatile
  set search_path = pg_catalog
as $$
  -- one statement, one snapshot: a row is visible exactly when its delta is, so the correction is exact
  with actual as (
    select (select count(*) from app_public.executions e where e.team_id = reconcile_team_usage.team_id) he,
           (select coalesce(sum(app_private.execution_bytes(e.*)), 0) from app_public.executions e where e.team_id = reconcile_team_usage.team_id)
         + (select coalesce(sum(app_private.execution_transition_bytes(t.*)), 0) from app_public.execution_transitions t where t.team_id = reconcile_team_usage.team_id)
         + (select coalesce(sum(app_private.execution_node_run_bytes(n.*)), 0) from app_public.execution_node_runs n where n.team_id = reconcile_team_usage.team_id) hb,
           (select coalesce(sum(b.row_count), 0) from app_private.archive_batches b where b.team_id = reconcile_team_usage.team_id and b.state = 'deleted') ce,
           (select coalesce(sum(b.bytes), 0) from app_private.archive_batches b where b.team_id = reconcile_team_usage.team_id and b.state = 'deleted') cb,
           (select count(*) from app_public.events v where v.team_id = reconcile_team_usage.team_id) ev
  ), fix as (
    select (a.he - u.hot_executions)::bigint he, (a.hb - u.hot_bytes)::bigint hb, (a.ce - u.cold_executions)::bigint ce,
           (a.cb - u.cold_bytes)::bigint cb, (a.ev - u.events)::bigint ev
      from actual a, app_private.team_usage(reconcile_team_usage.team_id) u
  ), ins as (
    insert into app_hidden.team_usage_deltas (team_id, hot_executions, hot_bytes, cold_executions, cold_bytes, events)
    select reconcile_team_usage.team_id, f.he, f.hb, f.ce, f.cb, f.ev from fix f
     where (f.he, f.hb, f.ce, f.cb, f.ev) <> (0, 0, 0, 0, 0)
    returning 1
  )
  select f.he, f.hb, f.ce, f.cb, f.ev from fix f;
$$;
comment on function app_private.reconcile_team_usage(uuid) is 'Recounts a team''s stored usage from the tables (hot rows, cold batches, events) and appends the difference to the counters as one correction delta, in one snapshot (exact under concurrent writes). Returns the correction (zeros when the counters were right). For the drift of values above the TOAST threshold (counted untoasted on insert, stored on delete); costs a scan of the team''s rows.';

-- Budgets
create table app_public.team_budgets (
  team_id uuid primary key references app_public.teams (id) on delete cascade,
  executions_per_month integer constraint team_budgets_executions_per_month_range check (executions_per_month between 0 and 2000000000),
  warn_percent integer not null default 80 constraint team_budgets_warn_percent_range check (warn_percent between 1 and 100),
  updated_by uuid,
  updated_at timestamptz not null default now()
);
alter table app_public.team_budgets enable row level security;
create policy select_member on app_public.team_budgets for select using (team_id in (select app_hidden.current_user_team_ids('viewer')));
grant select on app_public.team_budgets to linkflow_visitor;
comment on table app_public.team_budgets is 'Optional budget of a team: executions_per_month (null: no budget) started per UTC month, enforced when an execution is inserted (start_execution and every other insert of a current execution): over budget is LFLIM naming the budget and the usage. warn_percent: at this share of the budget a BudgetThresholdReached event is appended once per month. Managed by owners/admins with set_team_budget.';
comment on column app_public.team_budgets.updated_by is E'@behavior -*\nWho last changed the budget (audit).';

create table app_private.team_budget_slots (
  team_id uuid not null references app_public.teams (id) on delete cascade,
  month date not null,
  shard integer not null,
  allot integer not null constraint team_budget_slots_allot_non_negative check (allot >= 0),
  used integer not null default 0 constraint team_budget_slots_used_non_negative check (used >= 0),
  constraint team_budget_slots_pkey primary key (team_id, month, shard)
);
alter table app_private.team_budget_slots enable row level security;
comment on table app_private.team_budget_slots is 'Exact budget enforcement without one hot row: a team''s monthly budget is split into budget_shards allotments (sum of allot = the budget). A start takes one unit from a shard with room (its preferred shard by backend pid first, then the others, each re-checked under its row lock), so concurrent starters mostly lock different rows, and the sum of used never exceeds the budget; a start is refused only when every shard is full.';

create table app_private.team_budget_warnings (
  team_id uuid not null references app_public.teams (id) on delete cascade,
  month date not null,
  created_at timestamptz not null default now(),
  constraint team_budget_warnings_pkey primary key (team_id, month)
);
alter table app_private.team_budget_warnings enable row level security;
comment on table app_private.team_budget_warnings is 'The month in which a team''s budget warning was emitted (one BudgetThresholdReached event per team and month).';


create function app_private.ensure_budget_slots(team_id uuid, month date, budget integer) returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_shards integer := (select s.budget_shards from app_private.lifecycle_settings s);
  v_used bigint := 0;
  v_room bigint;
begin
  -- starts already made this month (before the budget existed) count: shard 0 carries them
  if month = app_private.budget_month() then
    select u.executions_this_month into v_used from app_private.team_usage(ensure_budget_slots.team_id) u;
  end if;
  v_room := greatest(budget - v_used, 0);
  insert into app_private.team_budget_slots (team_id, month, shard, allot, used)
  select ensure_budget_slots.team_id, ensure_budget_slots.month, g,
         (case when g = 0 then v_used else 0 end + v_room / v_shards + case when g < v_room % v_shards then 1 else 0 end)::integer,
         case when g = 0 then v_used else 0 end
    from generate_series(0, v_shards - 1) g
  on conflict do nothing;
end;
$$;
comment on function app_private.ensure_budget_slots(uuid, date, integer) is 'Creates a team''s allotment shards for a month, if missing: the executions already started this month (team_usage) are carried by shard 0, the room left in the budget is split evenly.';

create function app_private.check_execution_budget(team_id uuid, n integer default 1) returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_budget integer;
  v_warn integer;
  v_month date := app_private.budget_month();
  v_shards integer;
  v_pref integer;
  v_left integer := n;
  v_take integer;
  v_used integer;
  v_allot integer;
  v_s integer;
  v_total bigint;
begin
  select b.executions_per_month, b.warn_percent into v_budget, v_warn from app_public.team_budgets b where b.team_id = check_execution_budget.team_id;
  if v_budget is null or n <= 0 then
    return;
  end if;
  if not exists (select 1 from app_private.team_budget_slots s where s.team_id = check_execution_budget.team_id and s.month = v_month) then
    perform app_private.ensure_budget_slots(check_execution_budget.team_id, v_month, v_budget);
  end if;
  select count(*) into v_shards from app_private.team_budget_slots s where s.team_id = check_execution_budget.team_id and s.month = v_month;
  v_pref := pg_backend_pid() % greatest(v_shards, 1);
  if n = 1 then
    -- the common case: preferred shard first, then the others. The UPDATE re-checks used < allot on the latest
    -- committed row after waiting for its lock, and locks nothing when the shard is full, so a starter holds
    -- at most the lock of the shard it took from.
    for v_s in
      select s.shard from app_private.team_budget_slots s
       where s.team_id = check_execution_budget.team_id and s.month = v_month and s.used < s.allot
       order by (s.shard - v_pref + v_shards) % v_shards
    loop
      update app_private.team_budget_slots s set used = s.used + 1
       where s.team_id = check_execution_budget.team_id and s.month = v_month and s.shard = v_s and s.used < s.allot;
      if found then
        v_left := 0;
        exit;
      end if;
    end loop;
  else
    -- many at once (set-based inserts): shards in ascending order under their locks (no deadlock between such callers)
    for v_s in
      select s.shard from app_private.team_budget_slots s
       where s.team_id = check_execution_budget.team_id and s.month = v_month and s.used < s.allot
       order by s.shard
    loop
      select s.used, s.allot into v_used, v_allot from app_private.team_budget_slots s
       where s.team_id = check_execution_budget.team_id and s.month = v_month and s.shard = v_s for update;
      continue when v_used >= v_allot;
      v_take := least(v_left, v_allot - v_used);
      update app_private.team_budget_slots s set used = s.used + v_take
       where s.team_id = check_execution_budget.team_id and s.month = v_month and s.shard = v_s;
      v_left := v_left - v_take;
      exit when v_left = 0;
    end loop;
  end if;
  select coalesce(sum(s.used), 0) into v_total from app_private.team_budget_slots s
   where s.team_id = check_execution_budget.team_id and s.month = v_month;
  if v_left > 0 then
    raise exception 'execution budget exceeded: % of % executions this month', v_total + v_left - n, v_budget using errcode = 'LFLIM',
      detail = format('budget=executions_per_month limit=%s usage=%s requested=%s month=%s', v_budget, v_total + v_left - n, n, to_char(v_month, 'YYYY-MM')),
      hint = 'raise the team budget (set_team_budget) or wait for the next month';
  end if;
  if v_total >= ceil(v_budget::numeric * v_warn / 100) then
    insert into app_private.team_budget_warnings (team_id, month) values (check_execution_budget.team_id, v_month) on conflict do nothing;
    if found then
      perform app_private.lifecycle_event(check_execution_budget.team_id, 'BudgetThresholdReached', jsonb_build_object(
        'budget', 'executions_per_month', 'limit', v_budget, 'usage', v_total, 'warn_percent', v_warn, 'month', to_char(v_month, 'YYYY-MM')));
    end if;
  end if;
end;
$$;
comment on function app_private.check_execution_budget(uuid, integer) is 'Takes n executions from the team''s budget for the current UTC month, or raises LFLIM (DETAIL budget=executions_per_month limit=<n> usage=<n> requested=<n> month=<YYYY-MM>) and takes nothing. Exact under concurrency: units come from allotment shards locked one at a time (see team_budget_slots); a rolled-back start returns its unit. Appends BudgetThresholdReached once per month when usage reaches warn_percent. No budget: returns at once.';

create function app_private.tg_executions__check_budget() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  r record;
begin
  for r in
    select n.team_id, count(*)::integer as n from new_rows n
     where n.created_at >= (app_private.budget_month()::timestamp at time zone 'UTC')
       and exists (select 1 from app_public.team_budgets b where b.team_id = n.team_id and b.executions_per_month is not null)
     group by n.team_id order by n.team_id
  loop
    perform app_private.check_execution_budget(r.team_id, r.n);
  end loop;
  return null;
end;
$$;
comment on function app_private.tg_executions__check_budget() is 'Statement trigger: every insert of executions created in the current month takes them from the team''s budget (app_private.check_execution_budget); over budget the statement fails with LFLIM and nothing of it is written. Imports and restores of past executions do not count.';
create trigger _100_check_budget after insert on app_public.executions referencing new table as new_rows
  for each statement execute function app_private.tg_executions__check_budget();

create function app_public.set_team_budget(team_id uuid, executions_per_month integer, warn_percent integer default 80)
  returns app_public.team_budgets
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v app_public.team_budgets;
  v_month date := app_private.budget_month();
  v_used bigint;
  v_shards integer;
  v_room bigint;
begin
  perform app_private.lifecycle_require_admin(set_team_budget.team_id);
  if executions_per_month is not null and executions_per_month not between 0 and 2000000000 then
    raise exception 'executions_per_month must be between 0 and 2000000000' using errcode = 'LFVAL', detail = 'field: executions_per_month';
  end if;
  if warn_percent is null or warn_percent not between 1 and 100 then
    raise exception 'warn_percent must be between 1 and 100' using errcode = 'LFVAL', detail = 'field: warn_percent';
  end if;
  insert into app_public.team_budgets as b (team_id, executions_per_month, warn_percent, updated_by)
  values (set_team_budget.team_id, executions_per_month, warn_percent, app_public.current_user_id())
  on conflict on constraint team_budgets_pkey do update set executions_per_month = excluded.executions_per_month, warn_percent = excluded.warn_percent,
    updated_by = excluded.updated_by, updated_at = now()
  returning * into v;
  -- re-split this month's allotments (under every shard's lock, in shard order): the new budget minus what is used
  perform 1 from app_private.team_budget_slots s where s.team_id = v.team_id and s.month = v_month order by s.shard for update;
  if found and v.executions_per_month is not null then
    select sum(s.used), count(*) into v_used, v_shards from app_private.team_budget_slots s where s.team_id = v.team_id and s.month = v_month;
    v_room := greatest(v.executions_per_month - v_used, 0);
    update app_private.team_budget_slots s
       set allot = s.used + (v_room / v_shards + case when s.shard < v_room % v_shards then 1 else 0 end)::integer
     where s.team_id = v.team_id and s.month = v_month;
  elsif found then
    delete from app_private.team_budget_slots s where s.team_id = v.team_id and s.month = v_month;
  end if;
  perform app_private.lifecycle_event(v.team_id, 'BudgetChanged', jsonb_build_object(
    'budget', 'executions_per_month', 'limit', v.executions_per_month, 'warn_percent', v.warn_percent));
  return v;
end;
$$;
comment on function app_public.set_team_budget(uuid, integer, integer) is 'Sets (executions_per_month null: removes) the team''s monthly execution budget and warning threshold; takes effect at once (this month''s allotments are re-split). Owner/admin only. Appends BudgetChanged.';

create function app_public.team_budget_usage(team_id uuid)
  returns table (budget text, month date, budget_limit bigint, usage bigint, warn_percent integer)
  language plpgsql stable security definer
  set search_path = pg_catalog
as $$
begin
  if not app_hidden.has_team_role(team_budget_usage.team_id, 'viewer') then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  return query
  select 'executions_per_month'::text, app_private.budget_month(), b.executions_per_month::bigint,
         coalesce((select sum(s.used) from app_private.team_budget_slots s where s.team_id = b.team_id and s.month = app_private.budget_month()), 0)::bigint,
         b.warn_percent
    from app_public.team_budgets b where b.team_id = team_budget_usage.team_id and b.executions_per_month is not null;
end;
$$;
comment on function app_public.team_budget_usage(uuid) is 'The team''s budget for this month and the exact usage counted against it (the allotments taken). Any member (viewer).';

------------------------------------------------------------------------------------------------------------
-- 3. Bulk actions by filter
------------------------------------------------------------------------------------------------------------
create table app_public.bulk_actions (
  team_id uuid not null references app_public.teams (id) on delete cascade,
  id uuid not null default app_public.uuid_generate_v7(),
  action text not null constraint bulk_actions_action_known check (action in ('cancel', 'retry', 'delete')),
  filter jsonb not null,
  status text not null default 'pending' constraint bulk_actions_status_known check (status in ('pending', 'running', 'succeeded', 'cancelled')),
  expected_count bigint not null,
  processed bigint not null default 0,
  acted bigint not null default 0,
  skipped bigint not null default 0,
  batch_size integer not null default 1000 constraint bulk_actions_batch_size_range check (batch_size between 1 and 10000),
  upper_created_at timestamptz not null default now(),
  cursor_created_at timestamptz,
  cursor_id uuid,
  steps integer not null default 0,
  created_by uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  constraint bulk_actions_pkey primary key (team_id, id),
  constraint bulk_actions_cursor_pair check ((cursor_created_at is null) = (cursor_id is null))
);
create index bulk_actions_status_idx on app_public.bulk_actions (status) where status in ('pending', 'running');
alter table app_public.bulk_actions enable row level security;
create policy select_admin on app_public.bulk_actions for select using (team_id in (select app_hidden.current_user_team_ids('admin')));
grant select on app_public.bulk_actions to linkflow_visitor;
comment on table app_public.bulk_actions is E'A bulk action (cancel, retry or delete) over the executions matching a filter, run in batches by the worker (task lifecycle_bulk_action). Progress: processed (executions visited), acted (moved or deleted), skipped (no longer eligible when reached: finished meanwhile, under legal hold), out of expected_count (the dry-run count at start). The keyset position (cursor_created_at, cursor_id) advances in the same transaction as each batch''s moves, so a crash repeats nothing and loses nothing. Executions created after the action started (upper_created_at) are not included. Owners/admins see their teams'' actions.';
comment on column app_public.bulk_actions.cursor_created_at is E'@behavior -*\nKeyset position: the last execution processed (created_at).';
comment on column app_public.bulk_actions.cursor_id is E'@behavior -*\nKeyset position: the last execution processed (id).';

create function app_private.bulk_action_states(action text) returns text[]
  language sql immutable parallel safe
as $$
  select case action
    when 'cancel' then array['pending', 'queued', 'running', 'waiting']
    when 'retry' then array['failed', 'timed_out', 'crashed']
    when 'delete' then app_hidden.execution_terminal_states()
  end;
$$;
comment on function app_private.bulk_action_states(text) is 'The states an action applies to: cancel the unfinished, retry the retryable (execution_allowed_transitions is_retry), delete the finished.';

create function app_private.bulk_action_filter(filter jsonb) returns jsonb
  language plpgsql stable
  set search_path = pg_catalog
as $$
declare
  k text;
  v jsonb := coalesce(filter, '{}');
begin
  if jsonb_typeof(v) <> 'object' then
    raise exception 'filter must be a JSON object' using errcode = 'LFVAL', detail = 'field: filter';
  end if;
  for k in select jsonb_object_keys(v) loop
    if k not in ('workflow_id', 'state', 'created_from', 'created_before') then
      raise exception 'unknown filter field %', k using errcode = 'LFVAL', detail = 'field: filter.' || k;
    end if;
  end loop;
  begin
    perform (v->>'workflow_id')::uuid, (v->>'created_from')::timestamptz, (v->>'created_before')::timestamptz;
  exception when others then
    raise exception 'malformed filter value' using errcode = 'LFVAL', detail = 'field: filter';
  end;
  if v ? 'state' and v->>'state' is not null and not ((v->>'state') = any (app_hidden.execution_states())) then
    raise exception 'unknown state' using errcode = 'LFVAL', detail = 'field: filter.state';
  end if;
  return jsonb_strip_nulls(jsonb_build_object('workflow_id', v->>'workflow_id', 'state', v->>'state',
    'created_from', app_private.archive_iso((v->>'created_from')::timestamptz), 'created_before', app_private.archive_iso((v->>'created_before')::timestamptz)));
end;
$$;
comment on function app_private.bulk_action_filter(jsonb) is 'Validates and normalises a bulk-action filter: the execution-history filter {workflow_id?, state?, created_from?, created_before?} (LFVAL naming the field otherwise).';

-- The one place that says which executions a bulk action reaches, in keyset order (newest first, like
-- execution_history). A search query (search_executions) plugs in here as another filter kind.
create function app_private.bulk_action_candidates(team_id uuid, action text, filter jsonb, upper_created_at timestamptz,
    after_created_at timestamptz, after_id uuid, max_rows integer)
  returns table (id uuid, created_at timestamptz, workflow_id uuid, state text)
  language sql stable
as $$
  select e.id, e.created_at, e.workflow_id, e.state
    from app_public.executions e
   where e.team_id = bulk_action_candidates.team_id
     and ((filter->>'workflow_id') is null or e.workflow_id = (filter->>'workflow_id')::uuid)
     and ((filter->>'state') is null or e.state = filter->>'state')
     and e.state = any (app_private.bulk_action_states(action))
     and e.created_at >= coalesce((filter->>'created_from')::timestamptz, '-infinity')
     and e.created_at < least(coalesce((filter->>'created_before')::timestamptz, 'infinity'), upper_created_at)
     and (after_created_at is null or (e.created_at, e.id) < (after_created_at, after_id))
   order by e.created_at desc, e.id desc
   limit max_rows;
$$;
comment on function app_private.bulk_action_candidates(uuid, text, jsonb, timestamptz, timestamptz, uuid, integer) is 'The executions a bulk action reaches after a keyset position (created_at desc, id desc): the team''s hot executions matching the filter in a state the action applies to, created before the action started.';

create function app_public.bulk_action_count(team_id uuid, action text, filter jsonb default '{}')
  returns bigint
  language plpgsql stable security definer
  set search_path = pg_catalog
as $$
declare
  v_filter jsonb;
begin
  perform app_private.lifecycle_require_admin(bulk_action_count.team_id);
  if action is null or action not in ('cancel', 'retry', 'delete') then
    raise exception 'action must be cancel, retry or delete' using errcode = 'LFVAL', detail = 'field: action';
  end if;
  v_filter := app_private.bulk_action_filter(filter);
  return (select count(*) from app_private.bulk_action_candidates(bulk_action_count.team_id, action, v_filter, now(), null, null, null));
end;
$$;
comment on function app_public.bulk_action_count(uuid, text, jsonb) is 'Dry run of a bulk action: how many of the team''s executions it would reach now. filter is the execution-history filter {workflow_id?, state?, created_from?, created_before?}. Owner/admin only.';

create function app_public.start_bulk_action(team_id uuid, action text, filter jsonb default '{}', batch_size integer default 1000)
  returns app_public.bulk_actions
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v app_public.bulk_actions;
  v_filter jsonb;
begin
  perform app_private.lifecycle_require_admin(start_bulk_action.team_id);
  if action is null or action not in ('cancel', 'retry', 'delete') then
    raise exception 'action must be cancel, retry or delete' using errcode = 'LFVAL', detail = 'field: action';
  end if;
  if batch_size is null or batch_size not between 1 and 10000 then
    raise exception 'batch_size must be between 1 and 10000' using errcode = 'LFVAL', detail = 'field: batch_size';
  end if;
  v_filter := app_private.bulk_action_filter(filter);
  insert into app_public.bulk_actions (team_id, action, filter, expected_count, batch_size, created_by, upper_created_at)
  values (start_bulk_action.team_id, action, v_filter,
          (select count(*) from app_private.bulk_action_candidates(start_bulk_action.team_id, action, v_filter, now(), null, null, null)),
          batch_size, app_public.current_user_id(), now())
  returning * into v;
  perform graphile_worker.add_job('lifecycle_bulk_action', json_build_object('team_id', v.team_id, 'id', v.id),
    job_key => 'lifecycle_bulk_action:' || v.id::text, max_attempts => 25);
  perform app_private.lifecycle_event(v.team_id, 'BulkActionStarted', jsonb_build_object(
    'bulk_action_id', v.id, 'action', v.action, 'filter', v.filter, 'expected_count', v.expected_count));
  return v;
end;
$$;
comment on function app_public.start_bulk_action(uuid, text, jsonb, integer) is 'Starts a bulk action (cancel | retry | delete) over the team''s executions matching filter (the execution-history filter), created before now; the worker runs it in batches of batch_size (task lifecycle_bulk_action). Owner/admin only (LFDNY; outsiders LFNTF). Call bulk_action_count first for the dry run. Returns the action row (progress: processed / acted / skipped of expected_count, status).';

create function app_public.cancel_bulk_action(team_id uuid, id uuid)
  returns app_public.bulk_actions
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v app_public.bulk_actions;
begin
  perform app_private.lifecycle_require_admin(cancel_bulk_action.team_id);
  update app_public.bulk_actions b set status = 'cancelled', finished_at = now(), updated_at = now()
   where b.team_id = cancel_bulk_action.team_id and b.id = cancel_bulk_action.id and b.status in ('pending', 'running')
  returning * into v;
  if v.id is null then
    select * into v from app_public.bulk_actions b where b.team_id = cancel_bulk_action.team_id and b.id = cancel_bulk_action.id;
    if v.id is null then
      raise exception 'bulk action not found' using errcode = 'LFNTF', detail = 'field: id';
    end if;
    return v;
  end if;
  perform app_private.lifecycle_event(v.team_id, 'BulkActionCancelled', jsonb_build_object('bulk_action_id', v.id, 'processed', v.processed, 'acted', v.acted));
  return v;
end;
$$;
comment on function app_public.cancel_bulk_action(uuid, uuid) is 'Stops a pending or running bulk action after its current batch (batches already applied stay applied). Owner/admin only.';

create function app_private.bulk_action_step(team_id uuid, id uuid)
  returns app_public.bulk_actions
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v app_public.bulk_actions;
  v_ids uuid[];
  v_cas timestamptz[];
  v_n integer;
  v_acted integer := 0;
  v_items jsonb;
begin
  -- one step per action at a time: the row lock serialises runners (a second runner waits, then continues from the new position)
  select * into v from app_public.bulk_actions b where b.team_id = bulk_action_step.team_id and b.id = bulk_action_step.id for update;
  if v.id is null then
    raise exception 'bulk action not found' using errcode = 'LFNTF', detail = 'field: id';
  end if;
  if v.status not in ('pending', 'running') then
    return v;
  end if;
  select array_agg(c.id order by c.created_at desc, c.id desc), array_agg(c.created_at order by c.created_at desc, c.id desc)
    into v_ids, v_cas
    from app_private.bulk_action_candidates(v.team_id, v.action, v.filter, v.upper_created_at, v.cursor_created_at, v.cursor_id, v.batch_size) c;
  v_n := coalesce(cardinality(v_ids), 0);
  if v_n = 0 then
    update app_public.bulk_actions b set status = 'succeeded', started_at = coalesce(b.started_at, now()), finished_at = now(), updated_at = now()
     where b.team_id = v.team_id and b.id = v.id returning * into v;
    perform app_private.lifecycle_event(v.team_id, 'BulkActionFinished', jsonb_build_object(
      'bulk_action_id', v.id, 'action', v.action, 'processed', v.processed, 'acted', v.acted, 'skipped', v.skipped));
    return v;
  end if;
  if v.action in ('cancel', 'retry') then
    -- through the engine: the state machine decides each move; a move refused now (finished meanwhile) is skipped
    select jsonb_agg(jsonb_build_object('id', x.id, 'to_state', case v.action when 'cancel' then 'cancelled' else 'queued' end,
             'details', jsonb_build_object('reason', 'bulk ' || v.action, 'bulk_action_id', v.id)) order by x.ord)
      into v_items
      from unnest(v_ids) with ordinality x(id, ord);
    select count(*) filter (where r.ok) into v_acted from app_private.apply_execution_transitions(v_items, v.created_by, false) r;
  else
    delete from app_public.executions e
     using unnest(v_ids, v_cas) x(id, created_at)
     where e.id = x.id and e.created_at = x.created_at and e.team_id = v.team_id
       and e.state = any (app_hidden.execution_terminal_states())
       and not app_private.archive_is_held(e.team_id, e.workflow_id, e.id);
    get diagnostics v_acted = row_count;
    perform app_private.lifecycle_event(v.team_id, 'ExecutionsDeleted', jsonb_build_object(
      'bulk_action_id', v.id, 'count', v_acted, 'execution_ids', to_jsonb(v_ids)));
  end if;
  update app_public.bulk_actions b
     set status = 'running', started_at = coalesce(b.started_at, now()), updated_at = now(), steps = b.steps + 1,
         processed = b.processed + v_n, acted = b.acted + v_acted, skipped = b.skipped + (v_n - v_acted),
         cursor_created_at = v_cas[v_n], cursor_id = v_ids[v_n]
   where b.team_id = v.team_id and b.id = v.id
  returning * into v;
  return v;
end;
$$;
comment on function app_private.bulk_action_step(uuid, uuid) is 'Applies the next batch of a bulk action in one transaction: locks the action row, takes the next batch_size executions after the keyset position (bulk_action_candidates), cancels or retries them through app_private.apply_execution_transitions (the state machine decides; refused moves count as skipped) or deletes the finished, unheld ones (ExecutionsDeleted event with their ids), and advances the position and counters in the same transaction: each execution is acted on at most once, and a crash loses or repeats nothing. A step that finds nothing left marks the action succeeded. Returns the action row.';

-- Metrics (read by src/lifecycle on scrape)
create function app_private.lifecycle_metrics()
  returns table (kind text, team_id uuid, label text, value double precision)
  language sql stable
  set search_path = pg_catalog
as $$
  select 'usage', u.team_id, x.k, x.v
    from app_public.team_usage u
   cross join lateral (values ('hot_bytes', u.hot_bytes::float8), ('cold_bytes', u.cold_bytes::float8),
                              ('hot_executions', u.hot_executions::float8), ('cold_executions', u.cold_executions::float8),
                              ('events', u.events::float8)) x(k, v)
  union all
  select 'bulk_' || x.k, null, b.action || ':' || b.status, sum(x.v)::float8
    from app_public.bulk_actions b
   cross join lateral (values ('actions', 1::bigint), ('processed', b.processed), ('acted', b.acted), ('skipped', b.skipped),
                              ('expected', b.expected_count)) x(k, v)
   where b.status in ('pending', 'running') or b.finished_at > now() - interval '1 day'
   group by x.k, b.action, b.status
  union all
  select 'usage_queue', null, 'rows', (select count(*) from app_hidden.team_usage_deltas)::float8;
$$;
comment on function app_private.lifecycle_metrics() is 'The lifecycle gauges for Prometheus: per-team usage (as of the last fold), bulk actions by action and status (unfinished ones and those finished within a day: count, processed, acted, skipped, expected), and the usage fold queue length.';

------------------------------------------------------------------------------------------------------------
-- Grants
------------------------------------------------------------------------------------------------------------
revoke execute on function
  app_private.lifecycle_require_admin(uuid), app_private.lifecycle_require_member(uuid), app_private.lifecycle_event(uuid, text, jsonb),
  app_public.set_retention_policy(uuid, integer, integer, uuid, text, integer, integer), app_public.delete_retention_policy(uuid, uuid),
  app_private.lifecycle_archive_due(integer, uuid, timestamptz), app_private.lifecycle_trim_due(integer, uuid, timestamptz),
  app_private.lifecycle_expire_due(integer, uuid, timestamptz), app_private.lifecycle_trim_node_outputs(integer, integer, uuid),
  app_public.retention_plan(uuid), app_private.retention_plan(uuid, integer, integer, timestamptz), app_public.retention_plan_summary(uuid),
  app_private.execution_bytes(app_public.executions), app_private.execution_transition_bytes(app_public.execution_transitions),
  app_private.execution_node_run_bytes(app_public.execution_node_runs),
  app_private.tg_executions__usage_insert(), app_private.tg_executions__usage_update(), app_private.tg_executions__usage_delete(),
  app_private.tg_execution_children__usage_insert(), app_private.tg_execution_children__usage_delete(),
  app_private.tg_execution_node_runs__usage_update(), app_private.tg_events__usage(), app_private.tg_archive_batches__usage(),
  app_private.fold_team_usage(integer), app_private.team_usage(uuid), app_private.reconcile_team_usage(uuid), app_public.team_usage_now(uuid),
  app_private.budget_month(timestamptz), app_private.ensure_budget_slots(uuid, date, integer), app_private.check_execution_budget(uuid, integer),
  app_private.tg_executions__check_budget(), app_public.set_team_budget(uuid, integer, integer), app_public.team_budget_usage(uuid),
  app_private.bulk_action_states(text), app_private.bulk_action_filter(jsonb),
  app_private.bulk_action_candidates(uuid, text, jsonb, timestamptz, timestamptz, uuid, integer),
  app_public.bulk_action_count(uuid, text, jsonb), app_public.start_bulk_action(uuid, text, jsonb, integer),
  app_public.cancel_bulk_action(uuid, uuid), app_private.bulk_action_step(uuid, uuid), app_private.lifecycle_metrics()
from public;
grant execute on function
  app_public.set_retention_policy(uuid, integer, integer, uuid, text, integer, integer), app_public.delete_retention_policy(uuid, uuid),
  app_public.retention_plan(uuid), app_public.retention_plan_summary(uuid), app_public.team_usage_now(uuid),
  app_public.set_team_budget(uuid, integer, integer), app_public.team_budget_usage(uuid),
  app_public.bulk_action_count(uuid, text, jsonb), app_public.start_bulk_action(uuid, text, jsonb, integer), app_public.cancel_bulk_action(uuid, uuid)
to linkflow_visitor;
