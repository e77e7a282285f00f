-- Down of migration 000049: the exact reverse, topic by topic, last topic first.

--! split: 500-executions.sql
do $$
declare
  s text;
begin
  for s in
    select format('alter table %s alter column %I set compression default', i.inhrelid::regclass, a.attname)
      from pg_inherits i
      join app_private.partitioned_tables p on p.parent = i.inhparent
      join pg_attribute pa on pa.attrelid = i.inhparent and pa.attnum > 0 and not pa.attisdropped and pa.attcompression <> ''
      join pg_attribute a on a.attrelid = i.inhrelid and a.attname = pa.attname
  loop
    execute s;
  end loop;
end $$;

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

drop function if exists app_private.inherit_column_compression(regclass);
