--! Previous: sha1:bdeeaf2c424b68343c29f993721bdb1c14cc3516
--! Hash: sha1:b7610b315ff42d1e82f5fd594c104d37052ee838
--! Message: Lifecycle: legal holds as anti-joins, trim walks windows of days, per-call plans for trim and bulk steps

--! split: 850-lifecycle.sql
-- Lifecycle: the retention pass and bulk actions set-based.
-- Legal holds are checked as anti-joins against app_private.legal_holds (the rule of app_private.archive_is_held,
-- which has a SET clause and so ran as a separate query per row) in the archive due list, the cold expiry and the
-- bulk delete; the dry run does not JIT-compile its one big statement; the trim batches and bulk-action steps,
-- called many times per session, plan each statement for its arguments instead of switching to a generic plan.

CREATE OR REPLACE FUNCTION app_private.lifecycle_archive_due(default_hot_days integer, only_team_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now()) RETURNS TABLE(execution_id uuid, created_at timestamp with time zone, team_id uuid, workflow_id uuid, state text, day date)
    LANGUAGE sql STABLE
    AS $$
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
     -- legal holds win: the rule of app_private.archive_is_held as one anti-join (that function has a SET
     -- clause, so a call per row ran as a separate query for every execution)
     and not exists (select 1 from app_private.legal_holds h
                      where h.released_at is null and h.team_id = e.team_id
                        and (h.workflow_id is null and h.execution_id is null
                             or h.workflow_id = e.workflow_id or h.execution_id = e.id));
$$;

COMMENT ON FUNCTION app_private.lifecycle_archive_due(default_hot_days integer, only_team_id uuid, at timestamp with time zone) IS 'Executions due for the archive now: terminal, older than their hot retention (workflow policy, team policy, archive_retention, lifecycle_settings, then default_hot_days), not archived, not recently restored, not under legal hold (one anti-join against app_private.legal_holds, the rule of app_private.archive_is_held). Inlined into its callers (no SET clause).';

CREATE OR REPLACE FUNCTION app_private.lifecycle_expire_due(default_cold_days integer, only_team_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now()) RETURNS TABLE(batch_id uuid, team_id uuid, key text, row_count integer, bytes bigint, max_created_at timestamp with time zone)
    LANGUAGE sql STABLE
    AS $$
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
     -- no active hold covers any of its executions (the rule of app_private.archive_is_held, from the team's few
     -- active holds to the batch's index rows, instead of a hold check per archived execution)
     and not exists (
       select 1 from app_private.legal_holds h
         join app_private.archived_executions a
           on a.batch_id = x.id and a.team_id = h.team_id
          and (h.workflow_id is null and h.execution_id is null or a.workflow_id = h.workflow_id or a.execution_id = h.execution_id)
        where h.released_at is null and h.team_id = x.team_id);
$$;

COMMENT ON FUNCTION app_private.lifecycle_expire_due(default_cold_days integer, only_team_id uuid, at timestamp with time zone) IS 'Archive batches due for deletion now: in cold storage (deleted from the hot tables), every execution older than its cold retention (per workflow/team policy, archive_retention, lifecycle_settings, then default_cold_days), no legal hold on any of them.';

CREATE OR REPLACE FUNCTION app_private.bulk_action_step(team_id uuid, id uuid) RETURNS app_public.bulk_actions
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET plan_cache_mode TO 'force_custom_plan'
    AS $$
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
       -- legal holds win (the rule of app_private.archive_is_held, as one anti-join)
       and not exists (select 1 from app_private.legal_holds h
                        where h.released_at is null and h.team_id = e.team_id
                          and (h.workflow_id is null and h.execution_id is null
                               or h.workflow_id = e.workflow_id or h.execution_id = e.id));
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

COMMENT ON FUNCTION app_private.bulk_action_step(team_id uuid, id uuid) IS 'Applies the next batch of a bulk action in one transaction: locks the action row, takes the next batch_size executions after the keyset position (bulk_action_candidates), cancels or retries them through app_private.apply_execution_transitions (the state machine decides; refused moves count as skipped) or deletes the finished, unheld ones (ExecutionsDeleted event with their ids), and advances the position and counters in the same transaction: each execution is acted on at most once, and a crash loses or repeats nothing. A step that finds nothing left marks the action succeeded. Returns the action row. Plans its statements per call (plan_cache_mode force_custom_plan; the engine it calls keeps its own setting).';

CREATE OR REPLACE FUNCTION app_private.retention_plan(team_id uuid, default_hot_days integer DEFAULT 30, default_cold_days integer DEFAULT 365, at timestamp with time zone DEFAULT now()) RETURNS SETOF app_public.retention_plan_item
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    SET jit TO 'off'
    AS $$
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

COMMENT ON FUNCTION app_private.retention_plan(team_id uuid, default_hot_days integer, default_cold_days integer, at timestamp with time zone) IS 'The dry run (owner; no access check): archive, trim and delete items of one team due at `at`, with the given fallback retentions for executions no policy or setting covers.';

-- the trim walk takes a window of executions (lifecycle_trim_due gains optional window arguments: a new
-- signature, so the old one is dropped first; its callers pass the first three arguments)
DROP FUNCTION IF EXISTS app_private.lifecycle_trim_due(integer, uuid, timestamp with time zone);

CREATE OR REPLACE FUNCTION app_private.lifecycle_trim_due(default_hot_days integer, only_team_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now(), from_created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, from_execution_id uuid DEFAULT NULL::uuid, before_created_at timestamp with time zone DEFAULT NULL::timestamp with time zone) RETURNS TABLE(execution_id uuid, execution_created_at timestamp with time zone, team_id uuid, node_name text, attempt integer, mode text, new_output jsonb, bytes_freed bigint)
    LANGUAGE sql STABLE
    AS $_$
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
             -- the window of the walk (all when not given): from the execution (from_created_at, from_execution_id)
             -- inclusive, before before_created_at; inside the fence below, so a caller's window prunes partitions
             and e.created_at >= coalesce(from_created_at, '-infinity')
             and (from_created_at is null
                  or (e.created_at, e.id) >= (from_created_at, coalesce(from_execution_id, '00000000-0000-0000-0000-000000000000')))
             and e.created_at < coalesce(before_created_at, 'infinity')
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
     -- the window again on the node runs (the fence hides it from them): their partitions are pruned too
     and n.execution_created_at >= coalesce(from_created_at, '-infinity')
     and n.execution_created_at < coalesce(before_created_at, 'infinity')
     and not (jsonb_typeof(n.output) = 'object' and n.output ? '$trimmed')
     and (x.node_output = 'drop' or octet_length(n.output::text) > x.max_bytes)
     -- only when it frees space (a small output stays as it is: the marker would be larger)
     and z.stored < pg_column_size(n.output);
$_$;

COMMENT ON FUNCTION app_private.lifecycle_trim_due(default_hot_days integer, only_team_id uuid, at timestamp with time zone, from_created_at timestamp with time zone, from_execution_id uuid, before_created_at timestamp with time zone) IS 'Node-run outputs due for trimming now: terminal executions older than node_output_after_days under a trim or drop policy, not yet trimmed, not under legal hold and not due for the archive (those are archived as they are: the executions app_private.lifecycle_archive_due lists). new_output is what the output becomes: {"$trimmed": <length of the original JSON text>}, plus "preview" (its first node_output_max_bytes characters) when trimming; outputs the marker would not make smaller stay as they are; bytes_freed = pg_column_size(old) - the stored size of new (a value of at most 130 bytes gets a 1-byte header; previews above the TOAST threshold, ~2 kB, may be compressed on storage and free a little more). Set-based: the hold check and the archive exclusion are joins of the one statement. Optionally only a window of the executions (oldest first): from the execution (from_created_at, from_execution_id) inclusive, created before before_created_at; the same rule inside and outside any window.';

REVOKE ALL ON FUNCTION app_private.lifecycle_trim_due(integer, uuid, timestamp with time zone, timestamp with time zone, uuid, timestamp with time zone) FROM PUBLIC;

CREATE OR REPLACE FUNCTION app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer DEFAULT 5000, only_team_id uuid DEFAULT NULL::uuid, at timestamp with time zone DEFAULT now(), after_created_at timestamp with time zone DEFAULT NULL::timestamp with time zone, after_execution_id uuid DEFAULT NULL::uuid) RETURNS TABLE(team_id uuid, node_runs integer, bytes_freed bigint, last_created_at timestamp with time zone, last_execution_id uuid)
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    SET jit TO 'off'
    SET enable_sort TO 'off'
    SET plan_cache_mode TO 'force_custom_plan'
    AS $$
declare
  v_before timestamptz;
  v_lo timestamptz;
  v_hi timestamptz;
  v_from_ca timestamptz := after_created_at;
  v_from_id uuid := after_execution_id;
  v_left integer := max_rows;
  v_team uuid[] := '{}';
  v_count integer[] := '{}';
  v_bytes bigint[] := '{}';
  w_team uuid[];
  w_count integer[];
  w_bytes bigint[];
  w_n integer;
  w_last_ca timestamptz;
  w_last_id uuid;
  v_last_ca timestamptz;
  v_last_id uuid;
  v_span integer := 1;
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
  -- The walk goes a window of UTC days at a time (day partitions), from the position (or from the start), until
  -- max_rows node runs are trimmed or the cutoff is reached: a call reads about the days its batch spans, not
  -- every execution after the position. The first window ends at the end of the position's day (or of the oldest
  -- day partition).
  v_lo := coalesce(after_created_at, '-infinity');
  if after_created_at is null then
    select min(substring(c.relname from '_p(\d{8})$')::date)::timestamp at time zone 'UTC' into v_hi
      from pg_inherits i join pg_class c on c.oid = i.inhrelid
     where i.inhparent = 'app_public.executions'::regclass and c.relname ~ '_p\d{8}$';
    v_hi := coalesce(v_hi + interval '1 day', v_before);
  else
    v_hi := ((after_created_at at time zone 'UTC')::date + 1)::timestamp at time zone 'UTC';
  end if;
  loop
    v_hi := least(v_hi, v_before);
    with due as (
      select d.* from app_private.lifecycle_trim_due(default_hot_days, only_team_id, at, v_from_ca, v_from_id, v_hi) d
       order by d.execution_created_at, d.execution_id, d.node_name, d.attempt
       limit v_left
    ), upd as (
      update app_public.execution_node_runs n set output = d.new_output
        from due d
       where n.execution_id = d.execution_id and n.execution_created_at = d.execution_created_at
         and n.node_name = d.node_name and n.attempt = d.attempt
      returning n.team_id, n.execution_created_at, n.execution_id, d.bytes_freed
    ), per_team as (
      select u.team_id, count(*)::integer as n, sum(u.bytes_freed)::bigint as b from upd u group by u.team_id
    ), l as (
      -- the position of the window's last node run: where the next call starts
      select u.execution_created_at, u.execution_id from upd u order by 1 desc, 2 desc limit 1
    )
    select (select array_agg(t.team_id) from per_team t), (select array_agg(t.n) from per_team t), (select array_agg(t.b) from per_team t),
           (select coalesce(sum(t.n), 0)::integer from per_team t), (select l.execution_created_at from l), (select l.execution_id from l)
      into w_team, w_count, w_bytes, w_n, w_last_ca, w_last_id;
    if w_n > 0 then
      v_team := v_team || w_team;
      v_count := v_count || w_count;
      v_bytes := v_bytes || w_bytes;
      v_last_ca := w_last_ca;
      v_last_id := w_last_id;
      v_left := v_left - w_n;
    end if;
    exit when v_left <= 0 or v_hi >= v_before;
    -- the next window, from its start: the next UTC day, or twice as many days after a window with nothing to
    -- trim (a walk over days trimmed before takes a few statements, not one per day)
    v_span := case when w_n > 0 then 1 else least(v_span * 2, 64) end;
    v_from_ca := v_hi;
    v_from_id := null;
    v_hi := v_hi + make_interval(days => v_span);
  end loop;
  return query
  select t.team_id, sum(t.n)::integer, sum(t.b)::bigint, v_last_ca, v_last_id
    from unnest(v_team, v_count, v_bytes) t(team_id, n, b)
   group by t.team_id;
end;
$$;

COMMENT ON FUNCTION app_private.lifecycle_trim_node_outputs(default_hot_days integer, max_rows integer, only_team_id uuid, at timestamp with time zone, after_created_at timestamp with time zone, after_execution_id uuid) IS 'Trims up to max_rows node-run outputs due at `at` (default now(); never in the future) under the policies (app_private.lifecycle_trim_due) in one statement, oldest first (by execution_created_at, execution_id, node_name, attempt), starting at the execution (after_created_at, after_execution_id) inclusive when given (both or neither: LFVAL). Returns per team the node runs trimmed and the bytes freed (the dry run''s measure), and on every row the position of the batch''s last execution (last_created_at, last_execution_id): pass it as after_* to the next call of the same pass, so each call reads about its batch instead of the history before it; within a call the executions are walked a window of UTC days at a time (one day, doubled after a window with nothing to trim) (the window of app_private.lifecycle_trim_due) and the walk stops when max_rows are trimmed, so a call reads the days its batch spans, not everything after the position. default_hot_days: the archiver''s fallback hot retention (executions due for the archive are not trimmed). Call until it returns fewer than max_rows node runs. Each call plans its statement for its own arguments (plan_cache_mode force_custom_plan): a pass calls it many times in one session, and the generic plan PostgreSQL switches to after five calls walked the executions 25-40 times slower.';
