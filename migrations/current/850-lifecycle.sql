-- Trimming day by day: each call reads one UTC day of node runs (one partition) instead of every due node run
-- of the team (a call evaluated and sorted all of them for its max_rows: a pass was quadratic in the history).

drop function if exists app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz);

create or replace function app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer default 5000,
    only_team_id uuid default null, at timestamptz default now(), day date default null)
  returns table(team_id uuid, node_runs integer, bytes_freed bigint)
  language plpgsql set search_path to pg_catalog as $$
declare
  v_from timestamptz := case when day is null then '-infinity' else day::timestamp at time zone 'UTC' end;
  v_to timestamptz := case when day is null then 'infinity' else (day + 1)::timestamp at time zone 'UTC' end;
begin
  if max_rows is null or max_rows not between 1 and 100000 then
    raise exception 'max_rows must be between 1 and 100000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  perform app_private.lifecycle_assert_as_of(at);
  return query
  with due as (
    select d.* from app_private.lifecycle_trim_due(default_hot_days, only_team_id, at) d
     where d.execution_created_at >= v_from and d.execution_created_at < v_to
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
comment on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz, date) is
  'Trims up to max_rows node-run outputs due at `at` (default now(); never in the future) under the policies (app_private.lifecycle_trim_due) in one statement, of executions created on `day` (UTC; default: any day, which reads every due node run per call); returns per team the node runs trimmed and the bytes freed (the dry run''s measure). default_hot_days: the archiver''s fallback hot retention (executions due for the archive are not trimmed). Call until it returns fewer than max_rows, day by day (app_private.lifecycle_trim_days).';
revoke all on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz, date) from public;

create or replace function app_private.lifecycle_trim_days(at timestamptz default now()) returns setof date
  language sql stable set search_path to pg_catalog as $$
  select d from (select substring(c.relname from '_p(\d{8})$')::date as d
                   from pg_inherits i join pg_class c on c.oid = i.inhrelid
                  where i.inhparent = 'app_public.execution_node_runs'::regclass and c.relname ~ '_p\d{8}$') p
   where d <= (at at time zone 'UTC')::date
   order by d;
$$;
comment on function app_private.lifecycle_trim_days(timestamptz) is
  'The UTC days that hold node runs (the day partitions of execution_node_runs) up to at, oldest first: the days a trim pass visits. Rows in the default partition (none in normal operation) are trimmed by a call without a day.';
revoke all on function app_private.lifecycle_trim_days(timestamptz) from public;
