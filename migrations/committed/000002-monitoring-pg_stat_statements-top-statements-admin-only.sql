--! Previous: sha1:2501778ca65f8b26b6190eef8054f47b45a97bf8
--! Hash: sha1:9f85da4db68c4f0998c41930742d0316509987b0
--! Message: monitoring: pg_stat_statements top statements (admin only)

--------------------------------------------------------------------------------------------------------------
-- Monitoring (issue 9): pg_stat_statements top statements, admin-only (the owner; never granted to the visitor).
-- The extension is optional: it needs shared_preload_libraries=pg_stat_statements and a superuser to create it
-- (the test template and .ci/setup.d/monitoring.sh do both). Without it the function raises a NOTICE and
-- returns no rows: a clear notice, never an error.
--------------------------------------------------------------------------------------------------------------
create function app_private.pg_stat_statements_top(max_rows integer default 20, order_by text default 'total')
  returns table (queryid bigint, query text, calls bigint, total_exec_ms double precision, mean_exec_ms double precision,
                 rows bigint, shared_blks_hit bigint, shared_blks_read bigint, rank_by text)
  language plpgsql stable
  set search_path = pg_catalog
as $$
declare
  ext_schema text;
begin
  if order_by is null or order_by not in ('total', 'mean') then
    raise exception 'order_by must be total or mean' using errcode = 'LFVAL', detail = 'field: order_by';
  end if;
  if max_rows is null or max_rows < 1 or max_rows > 1000 then
    raise exception 'max_rows must be between 1 and 1000' using errcode = 'LFVAL', detail = 'field: max_rows';
  end if;
  select n.nspname into ext_schema
    from pg_extension e join pg_namespace n on n.oid = e.extnamespace
   where e.extname = 'pg_stat_statements';
  if ext_schema is null then
    raise notice 'pg_stat_statements is not installed in this database: no top statements (see docs/monitoring.md)';
    return;
  end if;
  begin
    return query execute format(
      'select s.queryid, s.query, s.calls, s.total_exec_time, s.mean_exec_time, s.rows, s.shared_blks_hit, s.shared_blks_read, %L::text
         from %I.pg_stat_statements s
        where s.dbid = (select d.oid from pg_catalog.pg_database d where d.datname = pg_catalog.current_database())
          and s.toplevel
        order by %s desc
        limit %s',
      order_by, ext_schema, case order_by when 'total' then 's.total_exec_time' else 's.mean_exec_time' end, max_rows);
  exception when object_not_in_prerequisite_state then
    raise notice 'pg_stat_statements is installed but not loaded (shared_preload_libraries): no top statements (see docs/monitoring.md)';
    return;
  end;
end;
$$;
comment on function app_private.pg_stat_statements_top(integer, text) is 'Admin only: the top statements of this database from pg_stat_statements by total or mean execution time (ms). Raises a NOTICE and returns no rows when the extension is not installed or not preloaded.';

create view app_private.top_statements as
  select * from app_private.pg_stat_statements_top(20, 'total')
  union all
  select * from app_private.pg_stat_statements_top(20, 'mean');
comment on view app_private.top_statements is 'Admin only (owner; not granted to the visitor): the 20 statements with the most total and the 20 with the highest mean execution time, from pg_stat_statements (rank_by says which list). Empty, with a NOTICE, when pg_stat_statements is absent.';
