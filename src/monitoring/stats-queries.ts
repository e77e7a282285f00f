// The statistics collector's SQL: each statement is cheap (catalog/statistics views, no table scans except the
// graphile-worker queue and the probed catalogs) and named with a /* name: */ comment for the query metrics.

export const SERVER_SQL = `/* name: monitoring.server */
select pg_is_in_recovery() as in_recovery,
       current_setting('max_connections')::int as max_connections,
       current_setting('superuser_reserved_connections')::int as reserved_connections,
       extract(epoch from pg_postmaster_start_time())::float8 as start_time`;

export const CONNECTIONS_SQL = `/* name: monitoring.connections */
select coalesce(state, 'unknown') as state, count(*)::int as n
  from pg_stat_activity where backend_type = 'client backend' group by 1`;

export const DATABASE_SQL = `/* name: monitoring.database */
select d.numbackends::int as backends, d.xact_commit::float8 as commits, d.xact_rollback::float8 as rollbacks,
       d.blks_read::float8 as blks_read, d.blks_hit::float8 as blks_hit, d.deadlocks::float8 as deadlocks,
       d.conflicts::float8 as conflicts, d.temp_bytes::float8 as temp_bytes,
       pg_database_size(current_database())::float8 as size_bytes, age(db.datfrozenxid)::float8 as frozen_xid_age
  from pg_stat_database d join pg_database db on db.oid = d.datid
 where d.datname = current_database()`;

export const TRANSACTIONS_SQL = `/* name: monitoring.transactions */
select coalesce(max(extract(epoch from clock_timestamp() - a.xact_start))
                  filter (where a.backend_type = 'client backend' and a.xact_start is not null and a.state <> 'idle'), 0)::float8 as oldest_xact_s,
       coalesce(max(extract(epoch from clock_timestamp() - a.state_change))
                  filter (where a.state like 'idle in transaction%'), 0)::float8 as idle_in_xact_s,
       coalesce(max(extract(epoch from clock_timestamp() - a.query_start))
                  filter (where a.backend_type = 'client backend' and a.state = 'active'), 0)::float8 as longest_query_s,
       greatest(coalesce(max(age(a.backend_xid)), 0), (select coalesce(max(age(p.transaction)), 0) from pg_prepared_xacts p))::float8 as oldest_xid_age,
       coalesce(max(age(a.backend_xmin)), 0)::float8 as oldest_xmin_age
  from pg_stat_activity a
 where a.pid <> pg_backend_pid()`;

export const REPLICATION_PRIMARY_SQL = `/* name: monitoring.replication */
select coalesce(nullif(application_name, ''), client_addr::text, 'local') as replica,
       coalesce(extract(epoch from replay_lag), 0)::float8 as lag_s,
       coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::float8 as lag_bytes
  from pg_stat_replication`;

export const REPLICATION_REPLICA_SQL = `/* name: monitoring.replay_lag */
select case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
            else coalesce(extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp()), 0) end::float8 as lag_s,
       coalesce(pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()), 0)::float8 as lag_bytes`;

// Partitions are rolled up into their root table: a label per daily partition would grow without bound.
export const TABLES_SQL = `/* name: monitoring.tables */
select rn.nspname as schema, rc.relname as "table",
       sum(pg_table_size(s.relid))::float8 as table_bytes, sum(pg_indexes_size(s.relid))::float8 as index_bytes,
       sum(s.n_live_tup)::float8 as live, sum(s.n_dead_tup)::float8 as dead,
       sum(s.seq_scan)::float8 as seq_scans, sum(coalesce(s.idx_scan, 0))::float8 as idx_scans,
       extract(epoch from clock_timestamp() - min(s.last_autovacuum))::float8 as autovacuum_age_s,
       extract(epoch from clock_timestamp() - min(s.last_autoanalyze))::float8 as autoanalyze_age_s
  from pg_stat_user_tables s
  join pg_class rc on rc.oid = coalesce(pg_partition_root(s.relid), s.relid)
  join pg_namespace rn on rn.oid = rc.relnamespace
 where rn.nspname !~ '^pg_temp_' and rn.nspname !~ '^pg_toast'
 group by 1, 2`;

export const PARTITIONS_SQL = `/* name: monitoring.partitions */
select pn.nspname || '.' || pc.relname as parent, count(i.inhrelid)::int as partitions,
       coalesce(max(substring(cc.relname from '_p(\\d{8})$')::date) - (now() at time zone 'UTC')::date, 0)::int as days_ahead
  from pg_class pc
  join pg_namespace pn on pn.oid = pc.relnamespace
  left join pg_inherits i on i.inhparent = pc.oid
  left join pg_class cc on cc.oid = i.inhrelid
 where pc.relkind = 'p' and not pc.relispartition
 group by 1`;

export const PARTITION_GAPS_SQL = `/* name: monitoring.partition_gaps */
select g.parent, count(*)::int as gaps from app_private.partition_gaps() g group by 1`;

export const WORKER_SQL = `/* name: monitoring.worker_jobs */
select task_identifier as task,
       count(*) filter (where locked_at is null and attempts < max_attempts and run_at <= now())::int as ready,
       count(*) filter (where locked_at is null and attempts < max_attempts and run_at > now())::int as scheduled,
       count(*) filter (where locked_at is not null and attempts < max_attempts)::int as running,
       count(*) filter (where attempts >= max_attempts)::int as failed,
       count(*) filter (where attempts > 0 and attempts < max_attempts and last_error is not null)::int as with_errors,
       coalesce(extract(epoch from now() - min(run_at) filter (where locked_at is null and attempts < max_attempts and run_at <= now())), 0)::float8 as oldest_ready_s
  from graphile_worker.jobs group by 1`;

/** Relations (and columns) the defensive probes look at: projection lag, backup and archive catalogs. */
export const PROBE_SQL = `/* name: monitoring.probe */
select n.nspname as schema, c.relname as name, c.relkind::text as kind,
       array_agg(a.attname::text order by a.attnum) as columns
  from pg_class c
  join pg_namespace n on n.oid = c.relnamespace
  join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
 where n.nspname in ('app_public', 'app_private', 'app_hidden')
   and c.relkind in ('r', 'p', 'v', 'm')
   and (c.relname in ('projection_lag', 'projection_checkpoints', 'monitoring_backup_status', 'monitoring_archive_status')
        or c.relname ~ '^(backup|archive)')
 group by 1, 2, 3`;

export const PG_STAT_STATEMENTS_PRESENT_SQL = `/* name: monitoring.pg_stat_statements_present */
select exists (select 1 from pg_extension where extname = 'pg_stat_statements') as installed,
       to_regprocedure('app_private.pg_stat_statements_top(integer,text)') is not null as has_function`;

export const TOP_STATEMENTS_SQL = `/* name: monitoring.top_statements */
select queryid::text as queryid, query, calls::float8 as calls, total_exec_ms, mean_exec_ms, rank_by
  from app_private.pg_stat_statements_top($1, 'total')
union all
select queryid::text, query, calls::float8, total_exec_ms, mean_exec_ms, rank_by
  from app_private.pg_stat_statements_top($1, 'mean')`;
