--! Previous: sha1:91dce3cffe9d6dc071b399036840c6a21937edb2
--! Hash: sha1:29ade0339e1d1c250e59ad08ec6201cf41141369
--! Message: backup: catalog, restore tests, table checksums, event xid re-basing

------------------------------------------------------------------------------------------------------------
-- Backup and recovery (issue 10): the backup catalog, per-table verification figures, restore-test results,
-- the metrics view the monitoring capability scrapes, table checksums, and the event-store xid re-basing
-- needed after a logical restore into a new cluster.
------------------------------------------------------------------------------------------------------------

create table app_private.backups (
  id uuid primary key default app_public.uuid_generate_v7(),
  database_name text not null,
  format text not null constraint backups_format_check check (format in ('custom', 'directory')),
  storage_name text not null,
  storage_key text not null constraint backups_storage_key_key unique,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  duration_ms bigint constraint backups_duration_non_negative check (duration_ms >= 0),
  size_bytes bigint constraint backups_size_non_negative check (size_bytes >= 0),
  sha256 text constraint backups_sha256_hex check (sha256 ~ '^[0-9a-f]{64}$'),
  server_version text,
  outcome text not null default 'running' constraint backups_outcome_check check (outcome in ('running', 'succeeded', 'failed')),
  error text,
  replica_storage_name text,
  replica_verified_at timestamptz,
  deleted_at timestamptz,
  constraint backups_finished_when_done check ((outcome = 'running') = (finished_at is null))
);
comment on table app_private.backups is 'Catalog of logical backups (pg_dump): where each lives (storage name and the manifest key), its size, the sha256 of its manifest (which lists the sha256 of every dump file), duration, server version and outcome; replica_* record the verified copy on the second (cross-region) storage target; deleted_at is set when retention removed its objects.';
create index backups_started_at_idx on app_private.backups (started_at desc);
create index backups_outcome_started_at_idx on app_private.backups (outcome, started_at desc);

create table app_private.backup_table_stats (
  backup_id uuid not null references app_private.backups (id) on delete cascade,
  table_name text not null,
  row_count bigint not null constraint backup_table_stats_row_count_non_negative check (row_count >= 0),
  checksum text not null,
  constraint backup_table_stats_pkey primary key (backup_id, table_name)
);
comment on table app_private.backup_table_stats is 'Per-table row count and content checksum taken in the same snapshot as the backup''s pg_dump; restores and restore tests compare against them.';

create table app_private.restore_tests (
  id uuid primary key default app_public.uuid_generate_v7(),
  backup_id uuid references app_private.backups (id) on delete set null,
  scratch_database text not null,
  started_at timestamptz not null default now(),
  finished_at timestamptz,
  restore_duration_ms bigint constraint restore_tests_restore_duration_non_negative check (restore_duration_ms >= 0),
  tables_checked integer not null default 0,
  mismatches jsonb not null default '[]' constraint restore_tests_mismatches_array check (jsonb_typeof(mismatches) = 'array'),
  amcheck text not null default 'not_run' constraint restore_tests_amcheck_check check (amcheck in ('passed', 'failed', 'unavailable', 'not_run')),
  outcome text not null default 'running' constraint restore_tests_outcome_check check (outcome in ('running', 'succeeded', 'failed')),
  error text
);
comment on table app_private.restore_tests is 'Automated restore tests: the backup restored into a scratch database, its restore duration, the tables whose row count or checksum differed from the catalog, the pg_amcheck result and the outcome.';
create index restore_tests_backup_id_idx on app_private.restore_tests (backup_id);
create index restore_tests_started_at_idx on app_private.restore_tests (started_at desc);

create table app_private.event_xid_rebases (
  id bigint generated always as identity primary key,
  rebased_at timestamptz not null default now(),
  events_rewritten bigint not null,
  previous_max_transaction_id xid8 not null,
  cluster_xmin xid8 not null,
  checkpoints jsonb not null default '[]'
);
comment on table app_private.event_xid_rebases is 'Audit of event-store xid re-basings run after restoring a logical backup into a cluster whose transaction ids are behind the restored events.';

alter table app_private.backups enable row level security;
alter table app_private.backup_table_stats enable row level security;
alter table app_private.restore_tests enable row level security;
alter table app_private.event_xid_rebases enable row level security;

create view app_private.backup_metrics as
with last_ok as (
  select * from app_private.backups where outcome = 'succeeded' order by started_at desc limit 1
), last_done as (
  select * from app_private.backups where outcome <> 'running' order by started_at desc limit 1
), last_test_ok as (
  select * from app_private.restore_tests where outcome = 'succeeded' order by started_at desc limit 1
), last_test as (
  select * from app_private.restore_tests where outcome <> 'running' order by started_at desc limit 1
)
select m.metric, m.help, m.value::double precision as value from (
  select 'linkflow_backup_last_success_timestamp_seconds' as metric, 'Unix time of the last successful logical backup (0: never).' as help,
         coalesce((select extract(epoch from finished_at) from last_ok), 0) as value
  union all select 'linkflow_backup_last_duration_seconds', 'Duration of the last successful logical backup.',
         coalesce((select duration_ms / 1000.0 from last_ok), 0)
  union all select 'linkflow_backup_last_size_bytes', 'Size of the last successful logical backup in storage.',
         coalesce((select size_bytes from last_ok), 0)
  union all select 'linkflow_backup_last_outcome', 'Outcome of the last finished backup (1 succeeded, 0 failed or none).',
         coalesce((select case when outcome = 'succeeded' then 1 else 0 end from last_done), 0)
  union all select 'linkflow_backup_failures_24h', 'Backups that failed in the last 24 hours.',
         (select count(*) from app_private.backups where outcome = 'failed' and started_at > now() - interval '24 hours')
  union all select 'linkflow_backup_replica_last_verified_timestamp_seconds', 'Unix time the last backup copy on the second storage target was verified by sha256 (0: never).',
         coalesce((select extract(epoch from max(replica_verified_at)) from app_private.backups), 0)
  union all select 'linkflow_restore_test_last_success_timestamp_seconds', 'Unix time of the last successful automated restore test (0: never).',
         coalesce((select extract(epoch from finished_at) from last_test_ok), 0)
  union all select 'linkflow_restore_test_last_duration_seconds', 'Restore duration measured by the last successful restore test (the RTO of a logical restore).',
         coalesce((select restore_duration_ms / 1000.0 from last_test_ok), 0)
  union all select 'linkflow_restore_test_last_outcome', 'Outcome of the last finished restore test (1 succeeded, 0 failed or none).',
         coalesce((select case when outcome = 'succeeded' then 1 else 0 end from last_test), 0)
) m;
comment on view app_private.backup_metrics is 'Backup and restore-test health as (metric, help, value) rows in Prometheus naming, for the monitoring capability to export as gauges and alert on.';

create function app_private.table_checksums(schemas text[] default null)
  returns table (table_name text, row_count bigint, checksum text)
  language plpgsql volatile
  set search_path = pg_catalog
  set timezone = 'UTC'
  set datestyle = 'ISO, YMD'
  set intervalstyle = 'postgres'
  set extra_float_digits = 1
as $$
declare
  r record;
begin
  for r in
    select c.oid::regclass as rel, n.nspname || '.' || c.relname as name
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
     where c.relkind = 'r'
       and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\_%'
       and (schemas is null or n.nspname = any (schemas))
       and not exists (select 1 from pg_depend d where d.objid = c.oid and d.deptype = 'e')
     order by 2
  loop
    table_name := r.name;
    execute format('select count(*), coalesce(sum(hashtextextended(t::text, 0)::numeric), 0)::text from %s t', r.rel)
      into row_count, checksum;
    return next;
  end loop;
end;
$$;
comment on function app_private.table_checksums(text[]) is 'Row count and an order-independent content checksum (sum of 64-bit hashes of each row''s text form, with fixed output settings) of every ordinary table (leaf partitions included, extension tables excluded), optionally limited to some schemas. Run in the backup''s snapshot and again after a restore: equal figures mean equal data.';

create function app_private.rebase_event_transaction_ids(checkpoint_tables regclass[] default '{}')
  returns table (item text, rows_changed bigint)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_xmin xid8 := pg_snapshot_xmin(pg_current_snapshot());
  v_next xid8 := pg_snapshot_xmax(pg_current_snapshot());
  v_max xid8;
  v_max_pos bigint;
  v_tbl regclass;
  v_n bigint;
  v_cps jsonb := '[]';
begin
  select max(e.transaction_id), max(e.global_position) into v_max, v_max_pos from app_public.events e;
  if v_max is null or v_max < v_next then
    -- No event carries an xid this cluster has not assigned yet: same cluster history (PITR, physical copy) or a
    -- cluster already ahead of the restored one. New events will sort after the restored ones: nothing to do.
    return;
  end if;
  -- Each checkpoint (x, p) meant "every event ordered at or before (x, p) is processed". In the re-based order
  -- (all restored events share xid 0, ordered by position) the equivalent safe checkpoint is the position just
  -- before the first unprocessed event: nothing is skipped; events processed beyond it are delivered again.
  foreach v_tbl in array checkpoint_tables loop
    execute format($q$
      update %s c set
        global_position = coalesce((select min(e.global_position) - 1 from app_public.events e
                                     where (e.transaction_id, e.global_position) > (c.transaction_id, c.global_position)), $1),
        transaction_id = '0'::xid8
       where c.transaction_id <> '0'::xid8$q$, v_tbl) using v_max_pos;
    get diagnostics v_n = row_count;
    item := v_tbl::text; rows_changed := v_n;
    v_cps := v_cps || jsonb_build_object('table', v_tbl::text, 'rows', v_n);
    return next;
  end loop;
  alter table app_public.events disable trigger user;
  update app_public.events e set transaction_id = '0'::xid8 where e.transaction_id <> '0'::xid8;
  get diagnostics v_n = row_count;
  alter table app_public.events enable trigger user;
  insert into app_private.event_xid_rebases (events_rewritten, previous_max_transaction_id, cluster_xmin, checkpoints)
    values (v_n, v_max, v_xmin, v_cps);
  item := 'app_public.events'; rows_changed := v_n;
  return next;
end;
$$;
comment on function app_private.rebase_event_transaction_ids(regclass[]) is 'Run once after restoring a logical backup into a new cluster (as the table owner, before writers start): when restored events carry transaction ids this cluster has not reached (they would stay invisible to readers and sort after new events), sets every restored event''s transaction_id to 0 (order = global_position) and rewrites each checkpoint table''s (transaction_id, global_position) to (0, last position before its first unprocessed event). A no-op when no event carries an xid this cluster has not assigned yet (PITR, physical restores, a cluster already ahead). Returns the rows changed per table.';
