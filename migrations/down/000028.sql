-- Down of migration 000028: the exact reverse, topic by topic, last topic first.

--! split: 850-lifecycle.sql
-- Reverse of the lifecycle migration: restores the archive functions of migration 000006.
drop function app_private.lifecycle_metrics();
drop function app_private.bulk_action_step(uuid, uuid);
drop function app_public.cancel_bulk_action(uuid, uuid);
drop function app_public.start_bulk_action(uuid, text, jsonb, integer);
drop function app_public.bulk_action_count(uuid, text, jsonb);
drop function app_private.bulk_action_candidates(uuid, text, jsonb, timestamptz, timestamptz, uuid, integer);
drop function app_private.bulk_action_filter(jsonb);
drop function app_private.bulk_action_states(text);
drop table app_public.bulk_actions;

drop function app_public.team_budget_usage(uuid);
drop function app_public.set_team_budget(uuid, integer, integer);
drop trigger _100_check_budget on app_public.executions;
drop function app_private.tg_executions__check_budget();
drop function app_private.check_execution_budget(uuid, integer);
drop function app_private.ensure_budget_slots(uuid, date, integer);
drop table app_private.team_budget_warnings;
drop table app_private.team_budget_slots;
drop table app_public.team_budgets;

drop function app_public.team_usage_now(uuid);
drop function app_private.reconcile_team_usage(uuid);
drop function app_private.team_usage(uuid);
drop function app_private.fold_team_usage(integer);
drop trigger _900_usage on app_private.archive_batches;
drop trigger _900_usage on app_public.events;
drop trigger _900_usage_delete on app_public.execution_node_runs;
drop trigger _900_usage_update on app_public.execution_node_runs;
drop trigger _900_usage_insert on app_public.execution_node_runs;
drop trigger _900_usage_delete on app_public.execution_transitions;
drop trigger _900_usage_insert on app_public.execution_transitions;
drop trigger _900_usage_delete on app_public.executions;
drop trigger _900_usage_update on app_public.executions;
drop trigger _900_usage_insert on app_public.executions;
drop function app_private.tg_archive_batches__usage();
drop function app_private.tg_events__usage();
drop function app_private.tg_execution_node_runs__usage_update();
drop function app_private.tg_execution_children__usage_delete();
drop function app_private.tg_execution_children__usage_insert();
drop function app_private.tg_executions__usage_delete();
drop function app_private.tg_executions__usage_update();
drop function app_private.tg_executions__usage_insert();
drop table app_public.team_usage_months;
drop table app_public.team_usage;
drop table app_hidden.team_usage_deltas;

drop function app_public.retention_plan_summary(uuid);
drop function app_private.retention_plan(uuid, integer, integer, timestamptz);
drop function app_public.retention_plan(uuid);
drop type app_public.retention_plan_item;
drop function app_private.lifecycle_trim_node_outputs(integer, integer, uuid);

CREATE OR REPLACE FUNCTION app_private.archive_candidates(default_hot_days integer, terminal_before timestamp with time zone DEFAULT now()) RETURNS TABLE(team_id uuid, day date, executions bigint)
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
  select e.team_id, (e.created_at at time zone 'UTC')::date, count(*)
    from app_public.executions e
    left join app_private.archive_retention r on r.team_id = e.team_id
   where e.state = any (app_hidden.execution_terminal_states())
     and e.created_at < terminal_before - make_interval(days => coalesce(r.hot_days, default_hot_days))
     and not exists (select 1 from app_private.archived_executions a where a.execution_id = e.id)
     and not exists (select 1 from app_private.archive_restored_executions x where x.execution_id = e.id and x.keep_until > now())
     and not app_private.archive_is_held(e.team_id, e.workflow_id, e.id)
   group by 1, 2
   order by 2, 1;
$$;
comment on function app_private.archive_candidates(integer, timestamptz) is 'Teams and UTC days with terminal executions older than their hot retention (per-team override or default_hot_days) that are not archived, recently restored or under legal hold.';

CREATE OR REPLACE FUNCTION app_private.archive_plan_batch(team_id uuid, day date, max_rows integer, default_hot_days integer, key_prefix text DEFAULT 'executions'::text, encrypted boolean DEFAULT false) RETURNS uuid
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
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
     and e.state = any (app_hidden.execution_terminal_states())
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

CREATE OR REPLACE FUNCTION app_private.archive_expire_batches(default_cold_days integer, max_batches integer DEFAULT 1000) RETURNS TABLE(batch_id uuid, key text)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
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

drop function app_private.execution_node_run_bytes(app_public.execution_node_runs);
drop function app_private.execution_transition_bytes(app_public.execution_transitions);
drop function app_private.execution_bytes(app_public.executions);
drop function app_private.lifecycle_expire_due(integer, uuid, timestamptz);
drop function app_private.lifecycle_trim_due(integer, uuid, timestamptz);
drop function app_private.lifecycle_archive_due(integer, uuid, timestamptz);
drop function app_public.delete_retention_policy(uuid, uuid);
drop function app_public.set_retention_policy(uuid, integer, integer, uuid, text, integer, integer);
drop table app_public.retention_policies;
drop function app_private.lifecycle_event(uuid, text, jsonb);
drop function app_private.lifecycle_require_member(uuid);
drop function app_private.lifecycle_require_admin(uuid);
drop function app_private.budget_month(timestamptz);
drop table app_private.lifecycle_settings;
