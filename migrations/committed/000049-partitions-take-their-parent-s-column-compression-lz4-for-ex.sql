--! Previous: sha1:a3f54b556ff88c26464ea7f691526a0f192c62a9
--! Hash: sha1:a81ba5bc3d0914d73eff2555eaf2c000213bebc8
--! Message: Partitions take their parent's column compression (lz4 for executions input/output and node-run output): CREATE TABLE ... PARTITION OF does not copy it, so every day partition stored them with pglz; existing partitions switched, new ones set by ensure_partitions_between

--! split: 500-executions.sql
-- Partitions take their parent's TOAST compression: CREATE TABLE ... PARTITION OF does not copy a column's
-- compression method, so every day partition of executions (input, output) and execution_node_runs (output) kept
-- the server default (pglz), although the parents ask for lz4. pglz compresses a 2 kB node output several times
-- slower than lz4 and decompresses it slower again when the archiver reads it. ALTER ... SET COMPRESSION changes
-- only values written from now on; stored values stay readable as they are.

create function app_private.inherit_column_compression(part regclass) returns void
  language plpgsql volatile
  set search_path to 'pg_catalog'
as $$
declare
  c record;
begin
  for c in
    select pa.attname, pa.attcompression
      from pg_inherits i
      join pg_attribute pa on pa.attrelid = i.inhparent and pa.attnum > 0 and not pa.attisdropped and pa.attcompression <> ''
      join pg_attribute a on a.attrelid = i.inhrelid and a.attname = pa.attname and a.attcompression <> pa.attcompression
     where i.inhrelid = part
  loop
    execute format('alter table %s alter column %I set compression %s', part, c.attname,
                   case c.attcompression when 'l' then 'lz4' else 'pglz' end);
  end loop;
end;
$$;

comment on function app_private.inherit_column_compression(regclass) is
  'Gives a partition''s columns its parent''s TOAST compression method where the parent sets one (CREATE TABLE ... PARTITION OF does not copy it). ensure_partitions_between calls it for every partition it creates.';

revoke all on function app_private.inherit_column_compression(regclass) from public;

CREATE OR REPLACE FUNCTION app_private.ensure_partitions_between(from_day date, to_day date)
 RETURNS TABLE(parent text, partition_name text, range_from date, range_to date, created boolean)
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog'
AS $function$
declare
  t record;
  d date;
  pname text;
begin
  for t in select p.parent, p.fillfactor from app_private.partitioned_tables p order by p.parent::text loop
    d := from_day;
    while d <= to_day loop
      pname := app_private.partition_name(t.parent, d);
      parent := t.parent::text; partition_name := 'app_partitions.' || pname; range_from := d; range_to := d + 1;
      if to_regclass('app_partitions.' || quote_ident(pname)) is null then
        execute format('create table app_partitions.%I partition of %s for values from (%L) to (%L)%s',
          pname, t.parent, d::timestamptz, (d + 1)::timestamptz,
          case when t.fillfactor is not null then format(' with (fillfactor = %s)', t.fillfactor) else '' end);
        perform app_private.inherit_column_compression(('app_partitions.' || quote_ident(pname))::regclass);
        created := true;
      else
        created := false;
      end if;
      return next;
      d := d + 1;
    end loop;
  end loop;
  perform app_private.link_execution_partitions(from_day, to_day);
end;
$function$;

select count(*) from (
  select app_private.inherit_column_compression(i.inhrelid::regclass)
    from pg_inherits i join app_private.partitioned_tables p on p.parent = i.inhparent) x;
