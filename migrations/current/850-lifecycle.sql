-- A retention pass can run "as of" the time its dry run was taken, so the pass applies exactly the plan
-- (executions are dense in time: a cutoff moving between the plan and the pass would take a few more).

drop function if exists app_private.lifecycle_trim_node_outputs(integer, integer, uuid);

create or replace function app_private.lifecycle_assert_as_of(at timestamptz) returns void
  language plpgsql stable set search_path to pg_catalog as $$
begin
  if at is null or at > now() then
    raise exception 'the as-of time of a retention step must be given and not lie in the future' using errcode = 'LFVAL', detail = 'field: at';
  end if;
end;
$$;
comment on function app_private.lifecycle_assert_as_of(timestamptz) is
  'Raises LFVAL (field: at) unless at is given and not after now(): retention steps may run as of the time a dry run was taken, never ahead of time.';
revoke all on function app_private.lifecycle_assert_as_of(timestamptz) from public;

create or replace function app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer default 5000,
    only_team_id uuid default null, at timestamptz default now())
  returns table(team_id uuid, node_runs integer, bytes_freed bigint)
  language plpgsql set search_path to pg_catalog as $$
begin
  if max_rows is null or max_rows not between 1 and 100000 then
    raise exception 'max_rows must be between 1 and 100000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  perform app_private.lifecycle_assert_as_of(at);
  return query
  with due as (
    select d.* from app_private.lifecycle_trim_due(default_hot_days, only_team_id, at) d
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
comment on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz) is
  'Trims up to max_rows node-run outputs due at `at` (default now(); never in the future) under the policies (app_private.lifecycle_trim_due) in one statement; returns per team the node runs trimmed and the bytes freed (the dry run''s measure). default_hot_days: the archiver''s fallback hot retention (executions due for the archive are not trimmed). Call until it returns nothing.';
revoke all on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz) from public;
