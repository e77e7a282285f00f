-- reverse of migrations/current/850-lifecycle.sql: the earlier trim functions
drop function if exists app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz, timestamptz, uuid);

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

CREATE OR REPLACE FUNCTION app_private.lifecycle_trim_due(default_hot_days integer, only_team_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now()) RETURNS TABLE(execution_id uuid, execution_created_at timestamp with time zone, team_id uuid, node_name text, attempt integer, mode text, new_output jsonb, bytes_freed bigint)
    LANGUAGE sql STABLE
    AS $_$
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
$_$;

COMMENT ON FUNCTION app_private.lifecycle_trim_due(default_hot_days integer, only_team_id uuid, at timestamp with time zone) IS 'Node-run outputs due for trimming now: terminal executions older than node_output_after_days under a trim or drop policy, not yet trimmed, not under legal hold and not due for the archive (those are archived as they are). new_output is what the output becomes: {"$trimmed": <length of the original JSON text>}, plus "preview" (its first node_output_max_bytes characters) when trimming; outputs the marker would not make smaller stay as they are; bytes_freed = pg_column_size(old) - the stored size of new (a value of at most 130 bytes gets a 1-byte header; previews above the TOAST threshold, ~2 kB, may be compressed on storage and free a little more).';
