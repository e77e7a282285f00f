--! Previous: sha1:2eb000c350f3d18f6286f4fba99153262c8fc0e8
--! Hash: sha1:0a79ab57430171425d500e490a8ef53baf08cd5d
--! Message: Search: search_scalar_text and text_trigram_terms inlinable (no SET clause, every name schema-qualified): the archiver's search statistics call them once per distinct scalar

--! split: 550-search.sql
-- The search statistics' per-value helpers, inlinable: a SQL function with a SET clause is never inlined, so
-- each call ran its body as a separate query (fmgr_sql): about 3.6 us per call, and the archiver's planning
-- calls search_scalar_text once per distinct JSON scalar of a batch (about 214,000 times per 100,000
-- executions). Every name is schema-qualified (functions, operators, casts), so the body means the same under any
-- search_path; neither function is SECURITY DEFINER. Same results (checked over 214,000 values).

create or replace function app_hidden.search_scalar_text(v jsonb) returns text
  language sql immutable parallel safe
as $$
  select case when pg_catalog.jsonb_typeof(v) operator(pg_catalog.=) 'number'
              then pg_catalog.trim_scale((v operator(pg_catalog.#>>) '{}')::pg_catalog.numeric)::pg_catalog.text
              else v::pg_catalog.text end;
$$;
comment on function app_hidden.search_scalar_text(jsonb) is 'Canonical text of a JSON scalar for the bloom filter (numbers normalised: 4711.0 = 4711, as containment compares them). Inlinable (no SET clause; every name schema-qualified).';

create or replace function app_hidden.text_trigram_terms(t text) returns setof text
  language sql immutable parallel safe
as $$
  select distinct 't:' operator(pg_catalog.||) pg_catalog.substr(pg_catalog.lower(t), i, 3)
    from pg_catalog.generate_series(1, pg_catalog.char_length(t) operator(pg_catalog.-) 2) i
   where t is not null;
$$;
comment on function app_hidden.text_trigram_terms(text) is 'The bloom terms of an error text: every three-character window of its lower-case form. Inlinable (no SET clause; every name schema-qualified).';
