drop function if exists app_private.lifecycle_trim_days(timestamptz);
drop function if exists app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz, date);

CREATE OR REPLACE FUNCTION app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer DEFAULT 5000, only_team_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now()) RETURNS TABLE(team_id uuid, node_runs integer, bytes_freed bigint)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
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

COMMENT ON FUNCTION app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer, only_team_id uuid, at timestamp with time zone) IS 'Trims up to max_rows node-run outputs due at `at` (default now(); never in the future) under the policies (app_private.lifecycle_trim_due) in one statement; returns per team the node runs trimmed and the bytes freed (the dry run''s measure). default_hot_days: the archiver''s fallback hot retention (executions due for the archive are not trimmed). Call until it returns nothing.';
revoke all on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz) from public;
