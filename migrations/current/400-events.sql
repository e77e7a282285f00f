-- Projection catch-up and rebuilds in large set-based batches.
--
-- project_workflow_list: one statement per batch. The range is read once (one index range scan, each event's
-- data parsed once), folded per workflow in one aggregation, joined to the workflow's current row by primary
-- key, and written once: one upsert of the final row per workflow (plus the delete of workflows deleted in the
-- batch, in the same statement). The former body read the range five times, wrote each workflow up to four
-- times per batch (four non-HOT row versions, five index entries each), and joined two batch-sized CTEs with a
-- nested loop the planner chose from a one-row estimate (quadratic in the batch's workflows). The result equals
-- the former five steps applied in order: execution counters and the newest created execution, the last
-- execution's newest state (by seq), the newest full state (created/saved, by stream_version), a newer status
-- change, then deletion.
create or replace function app_private.project_workflow_list(target regclass, from_tx xid8, from_pos bigint, to_tx xid8, to_pos bigint)
  returns void
  language plpgsql
  volatile
  set search_path = pg_catalog
  set work_mem = '32MB' -- the batch's sorts and the folded rows stay in memory at 20,000 events (4MB spills)
  set jit = off          -- a batch statement runs for milliseconds; compiling it would cost more than it saves
as $fn$
begin
  execute format($q$
    with ev as materialized (
      select e.global_position as pos, e.type, e.stream_version as sv, e.created_at,
             (e.data->>'workflow_id')::uuid as wid,
             case when e.type in ('ExecutionCreated', 'ExecutionStateChanged') then coalesce(e.data->>'team_id', e.team_id::text) end as exec_team,
             case when e.type in ('ExecutionCreated', 'ExecutionStateChanged') then (e.data->>'execution_id')::uuid end as eid,
             case when e.type = 'ExecutionCreated' then (e.data->>'created_at')::timestamptz end as exec_at,
             case when e.type = 'ExecutionCreated' then e.data->>'state' end as exec_state,
             case when e.type = 'ExecutionStateChanged' then e.data->>'to_state' end as to_state,
             case when e.type = 'ExecutionStateChanged' then (e.data->>'seq')::integer end as seq,
             case when e.type in ('WorkflowCreated', 'WorkflowSaved') then coalesce((e.data->>'team_id')::uuid, e.team_id) end as wf_team,
             case when e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged') then e.data->>'name' end as name,
             case when e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged') then e.data->>'status' end as status,
             case when e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged') then (e.data->>'version')::integer end as version
        from app_public.events e
       where (e.transaction_id, e.global_position) > ($1, $2) and (e.transaction_id, e.global_position) <= ($3, $4)
         and e.type in ('WorkflowCreated', 'WorkflowSaved', 'WorkflowStatusChanged', 'WorkflowDeleted', 'ExecutionCreated', 'ExecutionStateChanged')
    ), ranked as (
      -- one sort ranks the newest created execution (created_at, then position), the newest full state and the
      -- newest status change (stream_version) of each workflow; another the newest move (seq; a null seq sorts
      -- first, as before, and then moves nothing) of each execution
      select ev.*,
             case when kind is not null
                  then row_number() over (partition by wid, kind order by exec_at desc, (case when kind <> 'created' then sv end) desc, pos desc) end as rank,
             case when type = 'ExecutionStateChanged' and eid is not null
                  then row_number() over (partition by eid, type = 'ExecutionStateChanged' order by seq desc) end as move_rank
        from (select ev.*, case when type = 'ExecutionCreated' then 'created' when type in ('WorkflowCreated', 'WorkflowSaved') then 'state'
                                when type = 'WorkflowStatusChanged' then 'status' end as kind
                from ev) ev
    ), b as (
      -- everything the batch says about one workflow, in one pass (no join between batch-sized sets)
      select wid,
             bool_or(type in ('ExecutionCreated', 'ExecutionStateChanged')) as has_exec,
             (max(exec_team) filter (where type in ('ExecutionCreated', 'ExecutionStateChanged')))::uuid as exec_team,
             count(*) filter (where type = 'ExecutionCreated') as created,
             count(*) filter (where to_state = 'succeeded') as succeeded,
             count(*) filter (where to_state = any (app_hidden.execution_failure_states())) as failed,
             count(*) filter (where to_state = 'cancelled') as cancelled,
             (array_agg(eid) filter (where kind = 'created' and rank = 1))[1] as new_eid,
             (array_agg(exec_at) filter (where kind = 'created' and rank = 1))[1] as new_at,
             (array_agg(exec_state) filter (where kind = 'created' and rank = 1))[1] as new_state,
             jsonb_object_agg(eid::text, jsonb_build_array(seq, to_state)) filter (where move_rank = 1) as last_moves,
             bool_or(kind = 'state') as has_state,
             (array_agg(wf_team) filter (where kind = 'state' and rank = 1))[1] as s_team,
             (array_agg(name) filter (where kind = 'state' and rank = 1))[1] as s_name,
             (array_agg(status) filter (where kind = 'state' and rank = 1))[1] as s_status,
             (array_agg(version) filter (where kind = 'state' and rank = 1))[1] as s_version,
             max(sv) filter (where kind = 'state') as s_sv,
             (array_agg(created_at) filter (where kind = 'state' and rank = 1))[1] as s_at,
             min(created_at) filter (where type = 'WorkflowCreated') as s_created_at,
             bool_or(kind = 'status') as has_status,
             (array_agg(status) filter (where kind = 'status' and rank = 1))[1] as c_status,
             (array_agg(version) filter (where kind = 'status' and rank = 1))[1] as c_version,
             max(sv) filter (where kind = 'status') as c_sv,
             (array_agg(created_at) filter (where kind = 'status' and rank = 1))[1] as c_at,
             bool_or(type = 'WorkflowDeleted') as deleted
        from ranked
       group by wid
    ), s1 as (
      -- 1. execution counters and the newest execution created in the batch (creates the row if missing)
      select b.*, t.workflow_id is not null as existed, t as old,
             (t.workflow_id is not null or (b.has_exec and b.wid is not null)) as ex1,
             case when t.workflow_id is not null then t.team_id when b.has_exec and b.wid is not null then b.exec_team else b.s_team end as team_id,
             coalesce(t.execution_count, 0) + b.created as execution_count,
             coalesce(t.succeeded_count, 0) + b.succeeded as succeeded_count,
             coalesce(t.failed_count, 0) + b.failed as failed_count,
             coalesce(t.cancelled_count, 0) + b.cancelled as cancelled_count,
             case when t.workflow_id is null or b.new_at >= coalesce(t.last_execution_at, '-infinity') then b.new_eid else t.last_execution_id end as last_execution_id,
             case when t.workflow_id is null or b.new_at >= coalesce(t.last_execution_at, '-infinity') then b.new_state else t.last_execution_state end as last_execution_state0,
             case when t.workflow_id is null or b.new_at >= coalesce(t.last_execution_at, '-infinity') then 0 else t.last_execution_seq end as last_execution_seq0,
             case when t.workflow_id is null then b.new_at else greatest(b.new_at, t.last_execution_at) end as last_execution_at,
             coalesce(t.stream_version, 0) as sv0
        from b left join %1$s t on t.workflow_id = b.wid
    ), s2 as (
      -- 2. the last execution's newest state; 3. the newest full state, when newer than the row's
      select s1.*,
             (last_moves->(last_execution_id::text)->>0)::integer as m_seq, last_moves->(last_execution_id::text)->>1 as m_state,
             (ex1 or has_state) as ex3,
             (has_state and (not ex1 or sv0 < s_sv)) as take_state
        from s1
    ), s3 as (
      select s2.*,
             case when ex1 and m_seq > last_execution_seq0 then m_state else last_execution_state0 end as last_execution_state,
             case when ex1 and m_seq > last_execution_seq0 then m_seq else last_execution_seq0 end as last_execution_seq,
             case when take_state then s_name else (old).name end as name3,
             case when take_state then s_status else (old).status end as status3,
             case when take_state then s_version else (old).version end as version3,
             case when take_state then s_sv else sv0 end as sv3,
             case when take_state then coalesce((old).created_at, s_created_at) else (old).created_at end as created_at,
             case when take_state then s_at else (old).updated_at end as updated_at3
        from s2
    ), f as (
      -- 4. a newer status change of an existing row; 5. deletion wins
      select s3.*, (ex3 and has_status and sv3 < c_sv) as take_status
        from s3
    ), final as (
      select wid, existed, old, deleted, team_id,
             case when take_status then c_status else status3 end as status,
             case when take_status then coalesce(c_version, version3) else version3 end as version,
             case when take_status then c_sv else sv3 end as stream_version,
             case when take_status then c_at else updated_at3 end as updated_at,
             name3 as name, execution_count, succeeded_count, failed_count, cancelled_count,
             last_execution_id, last_execution_state, last_execution_at, last_execution_seq, created_at
        from f where ex3
    ), del as (
      delete from %1$s t using final where final.deleted and final.existed and t.workflow_id = final.wid
    )
    insert into %1$s as t (workflow_id, team_id, name, status, version, stream_version, execution_count, succeeded_count, failed_count,
                           cancelled_count, last_execution_id, last_execution_state, last_execution_at, last_execution_seq, created_at, updated_at)
    select wid, team_id, name, status, version, stream_version, execution_count, succeeded_count, failed_count,
           cancelled_count, last_execution_id, last_execution_state, last_execution_at, last_execution_seq, created_at, updated_at
      from final
     where not deleted
       and (not existed
            or (team_id, name, status, version, stream_version, execution_count, succeeded_count, failed_count, cancelled_count,
                last_execution_id, last_execution_state, last_execution_at, last_execution_seq, created_at, updated_at)
               is distinct from
               ((old).team_id, (old).name, (old).status, (old).version, (old).stream_version, (old).execution_count, (old).succeeded_count,
                (old).failed_count, (old).cancelled_count, (old).last_execution_id, (old).last_execution_state, (old).last_execution_at,
                (old).last_execution_seq, (old).created_at, (old).updated_at))
    on conflict (workflow_id) do update set
      team_id = excluded.team_id, name = excluded.name, status = excluded.status, version = excluded.version,
      stream_version = excluded.stream_version, execution_count = excluded.execution_count, succeeded_count = excluded.succeeded_count,
      failed_count = excluded.failed_count, cancelled_count = excluded.cancelled_count, last_execution_id = excluded.last_execution_id,
      last_execution_state = excluded.last_execution_state, last_execution_at = excluded.last_execution_at,
      last_execution_seq = excluded.last_execution_seq, created_at = excluded.created_at, updated_at = excluded.updated_at
  $q$, target) using from_tx, from_pos, to_tx, to_pos;
end;
$fn$;

comment on function app_private.project_workflow_list(regclass, xid8, bigint, xid8, bigint) is
  'Projection handler of workflow_list: applies the events in the range (from, to] to target (the live table or its shadow), set-based: one statement per batch that reads the range once, folds it per workflow and writes each workflow''s row once.';

-- Blue/green rebuilds replay into a shadow table without its secondary indexes and index it once at the end.
create or replace function app_private.projection_shadow_indexes(tables text[], build boolean)
  returns void
  language plpgsql
  volatile
  set search_path = pg_catalog
as $fn$
declare
  t text;
  d text;
begin
  foreach t in array tables loop
    if t !~ '^[a-z][a-z0-9_]{0,50}$' or to_regclass('app_public.' || t) is null or to_regclass('app_private.' || t || '__shadow') is null then
      raise exception 'no read model % with a shadow table', t using errcode = 'LFVAL', detail = 'field: tables';
    end if;
    if not build then
      -- only plain indexes: the primary key and unique indexes stay (upserts and conflicts need them)
      for d in
        select format('drop index app_private.%I', c.relname)
          from pg_index i join pg_class c on c.oid = i.indexrelid
         where i.indrelid = ('app_private.' || t || '__shadow')::regclass and not i.indisunique
           and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
      loop
        execute d;
      end loop;
    else
      -- every plain index of the live table that the shadow lacks (same method, keys, order, predicate), named
      -- after the live index with "_bg" added or removed: the swap moves each table's indexes into the other
      -- schema, where the other table's index names are then free
      for d in
        select format('create index %I on app_private.%I %s',
                      case when l.name like '%\_bg' then left(l.name, -3) else left(l.name, 60) || '_bg' end, t || '__shadow', l.def)
          from (select c.relname::text as name,
                       regexp_replace(pg_get_indexdef(i.indexrelid), '^CREATE INDEX (?:"(?:[^"]|"")+"|\S+) ON (?:ONLY )?\S+ ', '') as def
                  from pg_index i join pg_class c on c.oid = i.indexrelid
                 where i.indrelid = ('app_public.' || t)::regclass and not i.indisunique
                   and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)) l
         where not exists (
           select 1 from pg_index s
            where s.indrelid = ('app_private.' || t || '__shadow')::regclass
              and regexp_replace(pg_get_indexdef(s.indexrelid), '^CREATE (?:UNIQUE )?INDEX (?:"(?:[^"]|"")+"|\S+) ON (?:ONLY )?\S+ ', '') = l.def)
      loop
        execute d;
      end loop;
    end if;
  end loop;
end;
$fn$;

comment on function app_private.projection_shadow_indexes(text[], boolean) is
  'Secondary indexes of the shadow tables app_private.<t>__shadow during a blue/green rebuild: build = false drops every plain (non-unique, non-constraint) index of each shadow, so the replay maintains only its primary and unique keys; build = true creates every plain index of the live app_public.<t> that its shadow lacks (named after the live index with _bg added or removed, so the swap finds every name free), so the swapped-in table is indexed as the live one. Refuses a table without a shadow with LFVAL.';

revoke all on function app_private.projection_shadow_indexes(text[], boolean) from public;

-- The daily statistics sort the batch by workflow and day: keep a 20,000-event rebuild batch's sort in memory.
-- No handler is JIT-compiled: a large range's cost estimate (a seq scan of the log for a 20,000-event team_activity
-- batch is estimated at 73,000) nears jit_above_cost, and compiling costs more than a batch statement runs.
alter function app_private.project_execution_daily_stats(regclass, xid8, bigint, xid8, bigint) set work_mem = '32MB';
alter function app_private.project_execution_daily_stats(regclass, xid8, bigint, xid8, bigint) set jit = off;
alter function app_private.project_team_activity(regclass, xid8, bigint, xid8, bigint) set jit = off;
