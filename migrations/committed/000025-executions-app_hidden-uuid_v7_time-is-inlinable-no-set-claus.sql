--! Previous: sha1:2eba0959145ad1cfbaa809ba8b85b03d5a9bb5a6
--! Hash: sha1:7c701c35cdbf3db0c028aed3e08f4a97a04908ff
--! Message: Executions: app_hidden.uuid_v7_time is inlinable (no SET clause; names schema-qualified), so per-row calls skip the SQL-function executor

-- app_hidden.uuid_v7_time, called per row on every execution path, becomes inlinable: a SET clause keeps the
-- planner from inlining a SQL function, so every call went through the SQL-function executor (fmgr_sql: about a
-- tenth of a node-run batch's CPU in a profile). Without SET, the names in its body are schema-qualified; its
-- results are unchanged. Exact reverse: migrations/down/current.sql.
create or replace function app_hidden.uuid_v7_time(id uuid) returns timestamptz
  language sql immutable parallel safe strict
as $$
  select pg_catalog.to_timestamp(
    (('x' || pg_catalog.lpad(pg_catalog.substr(pg_catalog.replace(id::text, '-', ''), 1, 12), 16, '0'))::bit(64)::bigint) / 1000.0);
$$;
