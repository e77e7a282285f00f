-- Down of migration 000047: the exact reverse, topic by topic, last topic first.

--! split: 550-search.sql
-- back to the SET search_path forms (not inlined)
CREATE OR REPLACE FUNCTION app_hidden.search_scalar_text(v jsonb)
 RETURNS text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO 'pg_catalog'
AS $function$
  select case jsonb_typeof(v) when 'number' then trim_scale((v #>> '{}')::numeric)::text else v::text end;
$function$
;
comment on function app_hidden.search_scalar_text(jsonb) is 'Canonical text of a JSON scalar for the bloom filter (numbers normalised: 4711.0 = 4711, as containment compares them).';

CREATE OR REPLACE FUNCTION app_hidden.text_trigram_terms(t text)
 RETURNS SETOF text
 LANGUAGE sql
 IMMUTABLE PARALLEL SAFE
 SET search_path TO 'pg_catalog'
AS $function$
  select distinct 't:' || substr(lower(t), i, 3) from generate_series(1, char_length(t) - 2) i where t is not null;
$function$
;
comment on function app_hidden.text_trigram_terms(text) is 'The bloom terms of an error text: every three-character window of its lower-case form.';
