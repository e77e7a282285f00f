-- Trimming node outputs in proportion to the batch, not to the history.
--
-- lifecycle_trim_due: the legal-hold check is an anti-join on legal_holds and the archive-due exclusion is
-- written on the row (the executions it keeps out are those lifecycle_archive_due lists: terminal and not held
-- are already required here, what is left is "older than the hot retention, not archived, not recently
-- restored"), instead of a call of archive_is_held (SET clause: never inlined, run per row) and a correlated
-- lifecycle_archive_due per candidate (which called archive_is_held again). Same rows, same columns.
--
-- lifecycle_trim_node_outputs: walks the due node runs in their order (execution_created_at, execution_id,
-- node_name, attempt) from a keyset position (after_created_at, after_execution_id: the last execution of the
-- previous call, inclusive) and stops at max_rows (executions sorted, then each one's node runs: an incremental
-- sort the limit stops); returns that position for the next call. JIT off: a plan over every daily partition
-- compiles thousands of expressions (seconds) for milliseconds of work.

create or replace function app_private.lifecycle_trim_due(default_hot_days integer, only_team_id uuid default null,
                                                          at timestamptz default now())
returns table (execution_id uuid, execution_created_at timestamptz, team_id uuid, node_name text, attempt integer,
               mode text, new_output jsonb, bytes_freed bigint)
language sql stable
as $$
  select n.execution_id, n.execution_created_at, n.team_id, n.node_name, n.attempt, x.node_output, t.new_output,
         (pg_column_size(n.output) - z.stored)::bigint
    -- the executions first (every rule of the execution), in order: a caller taking the oldest few stops early
    from (select e.id, e.created_at, p.node_output, p.max_bytes
            from app_public.executions e
            left join app_public.retention_policies wp on wp.team_id = e.team_id and wp.workflow_id = e.workflow_id
            left join app_public.retention_policies tp on tp.team_id = e.team_id and tp.workflow_id is null
            left join app_private.archive_retention r on r.team_id = e.team_id
           cross join lateral (select coalesce(wp.node_output, tp.node_output, 'keep') as node_output,
                                      case when wp.id is not null then wp.node_output_after_days else tp.node_output_after_days end as after_days,
                                      case when wp.id is not null then wp.node_output_max_bytes else tp.node_output_max_bytes end as max_bytes) p
           where (only_team_id is null or e.team_id = only_team_id)
             and p.node_output in ('trim', 'drop')
             and e.state = any (app_hidden.execution_terminal_states())
             and e.created_at < at - make_interval(days => p.after_days)
             -- legal holds win (the rule of app_private.archive_is_held, as one anti-join)
             and not exists (select 1 from app_private.legal_holds h
                              where h.released_at is null and h.team_id = e.team_id
                                and (h.workflow_id is null and h.execution_id is null
                                     or h.workflow_id = e.workflow_id or h.execution_id = e.id))
             -- executions leaving the hot tables in this pass are archived as they are: those
             -- app_private.lifecycle_archive_due lists (terminal and not held hold already; the same hot retention precedence)
             and (e.created_at < at - make_interval(days => coalesce(wp.hot_days, tp.hot_days, r.hot_days,
                    (select s.default_hot_days from app_private.lifecycle_settings s), default_hot_days))
                  and not exists (select 1 from app_private.archived_executions a where a.execution_id = e.id)
                  and not exists (select 1 from app_private.archive_restored_executions x where x.execution_id = e.id and x.keep_until > at)) is not true
           order by e.created_at, e.id
          offset 0) x
    join app_public.execution_node_runs n on n.execution_id = x.id and n.execution_created_at = x.created_at
    cross join lateral (select case x.node_output
             when 'drop' then jsonb_build_object('$trimmed', octet_length(n.output::text))
             else jsonb_build_object('$trimmed', octet_length(n.output::text), 'preview', left(n.output::text, x.max_bytes)) end as new_output) t
    -- a new value of at most 130 bytes is stored with a 1-byte header instead of 4 (short varlena)
    cross join lateral (select case when pg_column_size(t.new_output) <= 130 then pg_column_size(t.new_output) - 3
                                    else pg_column_size(t.new_output) end as stored) z
   where n.output is not null
     and not (jsonb_typeof(n.output) = 'object' and n.output ? '$trimmed')
     and (x.node_output = 'drop' or octet_length(n.output::text) > x.max_bytes)
     -- only when it frees space (a small output stays as it is: the marker would be larger)
     and z.stored < pg_column_size(n.output);
$$;

comment on function app_private.lifecycle_trim_due(integer, uuid, timestamptz) is
  'Node-run outputs due for trimming now: terminal executions older than node_output_after_days under a trim or drop policy, not yet trimmed, not under legal hold and not due for the archive (those are archived as they are: the executions app_private.lifecycle_archive_due lists). new_output is what the output becomes: {"$trimmed": <length of the original JSON text>}, plus "preview" (its first node_output_max_bytes characters) when trimming; outputs the marker would not make smaller stay as they are; bytes_freed = pg_column_size(old) - the stored size of new (a value of at most 130 bytes gets a 1-byte header; previews above the TOAST threshold, ~2 kB, may be compressed on storage and free a little more). Set-based: the hold check and the archive exclusion are joins of the one statement.';

drop function if exists app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz);
drop function if exists app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz, timestamptz, uuid);
create function app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer default 5000,
                                                        only_team_id uuid default null, at timestamptz default now(),
                                                        after_created_at timestamptz default null, after_execution_id uuid default null)
returns table (team_id uuid, node_runs integer, bytes_freed bigint, last_created_at timestamptz, last_execution_id uuid)
language plpgsql volatile
set search_path = pg_catalog
-- the plan spans every daily partition: JIT would compile thousands of expressions (seconds) for milliseconds of work
set jit = off
-- the due set is estimated at a row or two (many filters), so the planner would build and sort all of it for the
-- limit; without plain sorts it takes the executions in order and sorts only each one's node runs (incremental
-- sort), and the limit stops the walk
set enable_sort = off
as $$
declare
  v_before timestamptz;
begin
  if max_rows is null or max_rows not between 1 and 100000 then
    raise exception 'max_rows must be between 1 and 100000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  perform app_private.lifecycle_assert_as_of(at);
  if (after_created_at is null) <> (after_execution_id is null) then
    raise exception 'after_created_at and after_execution_id go together' using errcode = 'LFVAL', detail = 'field: after_execution_id';
  end if;
  -- nothing is due after the newest cutoff of the trim/drop policies in scope (none: nothing to do)
  select at - make_interval(days => min(p.node_output_after_days)) into v_before
    from app_public.retention_policies p
   where p.node_output in ('trim', 'drop') and (only_team_id is null or p.team_id = only_team_id);
  if v_before is null then
    return;
  end if;
  return query
  with due as (
    select d.* from app_private.lifecycle_trim_due(default_hot_days, only_team_id, at) d
     where d.execution_created_at < v_before
       and d.execution_created_at >= coalesce(after_created_at, '-infinity')
       and (d.execution_created_at, d.execution_id)
           >= (coalesce(after_created_at, '-infinity'), coalesce(after_execution_id, '00000000-0000-0000-0000-000000000000'))
     order by d.execution_created_at, d.execution_id, d.node_name, d.attempt
     limit max_rows
  ), upd as (
    update app_public.execution_node_runs n set output = d.new_output
      from due d
     where n.execution_id = d.execution_id and n.execution_created_at = d.execution_created_at
       and n.node_name = d.node_name and n.attempt = d.attempt
    returning n.team_id, n.execution_created_at, n.execution_id, d.bytes_freed
  -- the position of the batch's last node run (the same on every row): where the next call starts
  ), l as materialized (
    select u.execution_created_at, u.execution_id from upd u order by 1 desc, 2 desc limit 1
  )
  select u.team_id, count(*)::integer, sum(u.bytes_freed)::bigint, l.execution_created_at, l.execution_id
    from upd u cross join l
   group by u.team_id, l.execution_created_at, l.execution_id;
end;
$$;

comment on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz, timestamptz, uuid) is
  'Trims up to max_rows node-run outputs due at `at` (default now(); never in the future) under the policies (app_private.lifecycle_trim_due) in one statement, oldest first (by execution_created_at, execution_id, node_name, attempt), starting at the execution (after_created_at, after_execution_id) inclusive when given (both or neither: LFVAL). Returns per team the node runs trimmed and the bytes freed (the dry run''s measure), and on every row the position of the batch''s last execution (last_created_at, last_execution_id): pass it as after_* to the next call of the same pass, so each call reads about its batch instead of the history before it. default_hot_days: the archiver''s fallback hot retention (executions due for the archive are not trimmed). Call until it returns fewer than max_rows node runs.';

revoke all on function app_private.lifecycle_trim_node_outputs(integer, integer, uuid, timestamptz, timestamptz, uuid) from public;
