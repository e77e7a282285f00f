--! Previous: sha1:95f65b1e3b6f5a10cb2a3fb6cb4baa46ad8d2aab
--! Hash: sha1:ad7bc5f16ba21741a9d8ee349e04d5b1ce7ccc79
--! Message: workflows: editor speed (one-pass validation, diff writes of the graph, stored GetWithNodes document)

------------------------------------------------------------------------------------------------------------
-- Workflows at editor speed (issue 20).
--
-- * Validation (workflow_normalize_definition) reads each array of the definition once: one statement per
--   array computes the first invalid element, duplicates, the name set and the canonical form together
--   (before: up to four passes per array, a jsonb re-build of every node, the trigger config checked twice).
-- * Writes are diffs against the stored graph (workflow_write_graph): nodes, connections and triggers are
--   classified against the live rows first; only inserted, changed or removed rows are written, each kind
--   in one set-based statement that runs only when it has rows (statement triggers: per statement, never
--   per row); an unchanged graph writes nothing to the graph tables.
-- * The GetWithNodes document is built from the normalized snapshot and the ids the diff knows (new rows
--   get their ids before they are inserted), not re-read from the tables, and stored whole (workflow part
--   included): workflow_graph serves it as stored.
------------------------------------------------------------------------------------------------------------

------------------------------------------------------------------------------------------------------------
-- Validation and normalisation, one pass per array
------------------------------------------------------------------------------------------------------------
create or replace function app_private.workflow_normalize_definition(definition jsonb, fallback app_public.workflows default null) returns jsonb
  language plpgsql stable
  set search_path = pg_catalog
as $$
declare
  s app_private.workflow_settings;
  v_size bigint;
  v_nodes jsonb := coalesce(definition->'nodes', '[]'::jsonb);
  v_conns jsonb := coalesce(definition->'connections', '[]'::jsonb);
  v_triggers jsonb := coalesce(definition->'triggers', '[]'::jsonb);
  v_name text;
  v_description text;
  v_settings jsonb;
  v_tags jsonb;
  v_count integer;
  v_name_set jsonb;
  v_bad_ord bigint;
  v_bad_field text;
  v_bad_reason text;
  v_dup text;
  v_has_dup boolean;
begin
  select * into s from app_private.workflow_settings where id;
  if not found then
    s.max_nodes := 1000; s.max_definition_bytes := 5242880;
  end if;
  if definition is null or pg_catalog.jsonb_typeof(definition) <> 'object' then
    raise exception 'the definition must be a JSON object' using errcode = 'LFVAL', detail = 'field: definition';
  end if;
  v_size := pg_catalog.octet_length(definition::text);
  if v_size > s.max_definition_bytes then
    raise exception 'the definition is % bytes, over the limit of % bytes', v_size, s.max_definition_bytes
      using errcode = 'LFLIM', detail = pg_catalog.format('field: definition, size=%s, limit=%s', v_size, s.max_definition_bytes);
  end if;

  -- workflow attributes (absent keys keep the fallback's values on save)
  if definition ? 'name' and pg_catalog.jsonb_typeof(definition->'name') <> 'string' then
    raise exception 'name must be a string' using errcode = 'LFVAL', detail = 'field: name';
  end if;
  v_name := coalesce(definition->>'name', fallback.name);
  if v_name is null or pg_catalog.char_length(pg_catalog.btrim(v_name)) = 0 or pg_catalog.char_length(v_name) > 200 then
    raise exception 'name is required (1 to 200 characters)' using errcode = 'LFVAL', detail = 'field: name';
  end if;
  if definition ? 'description' and pg_catalog.jsonb_typeof(definition->'description') <> 'string' then
    raise exception 'description must be a string' using errcode = 'LFVAL', detail = 'field: description';
  end if;
  v_description := coalesce(definition->>'description', fallback.description, '');
  if pg_catalog.char_length(v_description) > 10000 then
    raise exception 'description is longer than 10000 characters' using errcode = 'LFVAL', detail = 'field: description';
  end if;
  if definition ? 'settings' and pg_catalog.jsonb_typeof(definition->'settings') <> 'object' then
    raise exception 'settings must be an object' using errcode = 'LFVAL', detail = 'field: settings';
  end if;
  v_settings := coalesce(definition->'settings', fallback.settings, '{}'::jsonb);
  if definition ? 'tags' then
    if pg_catalog.jsonb_typeof(definition->'tags') <> 'array'
       or pg_catalog.jsonb_array_length(definition->'tags') > 100
       or exists (select 1 from pg_catalog.jsonb_array_elements(definition->'tags') t
                   where pg_catalog.jsonb_typeof(t) <> 'string' or pg_catalog.char_length(t #>> '{}') not between 1 and 100) then
      raise exception 'tags must be an array of at most 100 strings of 1 to 100 characters' using errcode = 'LFVAL', detail = 'field: tags';
    end if;
    select coalesce(pg_catalog.jsonb_agg(t order by t collate "C"), '[]'::jsonb) into v_tags
      from (select distinct x #>> '{}' as t from pg_catalog.jsonb_array_elements(definition->'tags') x) d;
  else
    v_tags := coalesce(pg_catalog.to_jsonb(fallback.tags), '[]'::jsonb);
  end if;

  -- nodes: one pass computes the first invalid node, the first duplicate name, the name set and the
  -- canonical nodes. (A bounded repetition such as {1,200} makes PostgreSQL's regex engine ~20x slower than
  -- + with a length check: 10 us per node; the shapes below use the latter.)
  if pg_catalog.jsonb_typeof(v_nodes) <> 'array' then
    raise exception 'nodes must be an array' using errcode = 'LFVAL', detail = 'field: nodes';
  end if;
  v_count := pg_catalog.jsonb_array_length(v_nodes);
  if v_count > s.max_nodes then
    raise exception 'the workflow has % nodes, over the limit of %', v_count, s.max_nodes
      using errcode = 'LFLIM', detail = pg_catalog.format('field: nodes, count=%s, limit=%s', v_count, s.max_nodes);
  end if;
  with e as materialized (
    select e.ord, e.v, e.v->>'name' as name, case
      when pg_catalog.jsonb_typeof(e.v) <> 'object' then 'nodes'
      when pg_catalog.jsonb_typeof(e.v->'name') is distinct from 'string'
        or pg_catalog.char_length(e.v->>'name') not between 1 and 200 then 'nodes.name'
      when pg_catalog.jsonb_typeof(e.v->'type') is distinct from 'string'
        or pg_catalog.char_length(e.v->>'type') > 200 or (e.v->>'type') !~ '^[A-Za-z0-9_.:@/-]+$' then 'nodes.type'
      when e.v ? 'type_version' and (pg_catalog.jsonb_typeof(e.v->'type_version') <> 'number'
        or (e.v->>'type_version') !~ '^[1-9][0-9]{0,8}$') then 'nodes.type_version'
      when e.v ? 'parameters' and pg_catalog.jsonb_typeof(e.v->'parameters') <> 'object' then 'nodes.parameters'
      when e.v ? 'position' and (pg_catalog.jsonb_typeof(e.v->'position') <> 'array'
        or pg_catalog.jsonb_array_length(e.v->'position') <> 2
        or (e.v->'position'->>0) !~ '^-?[0-9]{1,9}$' or (e.v->'position'->>1) !~ '^-?[0-9]{1,9}$') then 'nodes.position'
      when e.v ? 'disabled' and pg_catalog.jsonb_typeof(e.v->'disabled') <> 'boolean' then 'nodes.disabled'
    end as field
    from pg_catalog.jsonb_array_elements(v_nodes) with ordinality e(v, ord))
  select b.ord, b.field,
         (select d.name from e d where d.field is null group by d.name having count(*) > 1 order by d.name limit 1),
         (select coalesce(pg_catalog.jsonb_object_agg(g.name, true), '{}'::jsonb) from e g where g.field is null),
         (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'name', c.name,
                    'type', c.v->>'type',
                    'type_version', coalesce((c.v->>'type_version')::integer, 1),
                    'parameters', coalesce(c.v->'parameters', '{}'::jsonb),
                    'position', pg_catalog.jsonb_build_array(coalesce((c.v->'position'->>0)::integer, 0), coalesce((c.v->'position'->>1)::integer, 0)),
                    'disabled', coalesce((c.v->>'disabled')::boolean, false))
                  order by c.name collate "C"), '[]'::jsonb)
            from e c where c.field is null)
    into v_bad_ord, v_bad_field, v_dup, v_name_set, v_nodes
    from (select 1) one
    left join lateral (select x.ord, x.field from e x where x.field is not null order by x.ord limit 1) b on true;
  if v_bad_field is not null then
    raise exception 'node % is invalid (%)', v_bad_ord, v_bad_field using errcode = 'LFVAL', detail = 'field: ' || v_bad_field;
  end if;
  if v_dup is not null then
    raise exception 'duplicate node name %', pg_catalog.quote_literal(v_dup) using errcode = 'LFVAL', detail = 'field: nodes.name';
  end if;

  -- connections: both ends must be nodes of this definition (names looked up in the jsonb name set: O(log n));
  -- one pass computes the first invalid connection, duplicates (on the canonical tuple) and the sorted list
  if pg_catalog.jsonb_typeof(v_conns) <> 'array' then
    raise exception 'connections must be an array' using errcode = 'LFVAL', detail = 'field: connections';
  end if;
  with e as materialized (
    select c.ord, c.v, case
      when pg_catalog.jsonb_typeof(c.v) <> 'object' then 'connections'
      when pg_catalog.jsonb_typeof(c.v->'source') is distinct from 'string'
        or not v_name_set ? (c.v->>'source') then 'connections.source'
      when pg_catalog.jsonb_typeof(c.v->'target') is distinct from 'string'
        or not v_name_set ? (c.v->>'target') then 'connections.target'
      when c.v ? 'source_output' and (pg_catalog.jsonb_typeof(c.v->'source_output') <> 'string'
        or pg_catalog.char_length(c.v->>'source_output') not between 1 and 100) then 'connections.source_output'
      when c.v ? 'target_input' and (pg_catalog.jsonb_typeof(c.v->'target_input') <> 'string'
        or pg_catalog.char_length(c.v->>'target_input') not between 1 and 100) then 'connections.target_input'
      when c.v ? 'source_output_index' and (c.v->>'source_output_index') !~ '^[0-9]{1,6}$' then 'connections.source_output_index'
      when c.v ? 'target_input_index' and (c.v->>'target_input_index') !~ '^[0-9]{1,6}$' then 'connections.target_input_index'
    end as field
    from pg_catalog.jsonb_array_elements(v_conns) with ordinality c(v, ord)),
  k as materialized (
    select e.v->>'source' as source, coalesce(e.v->>'source_output', 'main') as source_output,
           coalesce((e.v->>'source_output_index')::integer, 0) as source_output_index,
           e.v->>'target' as target, coalesce(e.v->>'target_input', 'main') as target_input,
           coalesce((e.v->>'target_input_index')::integer, 0) as target_input_index
      from e where e.field is null)
  select b.ord, b.field,
         exists (select 1 from k group by k.source, k.source_output, k.source_output_index, k.target, k.target_input, k.target_input_index
                  having count(*) > 1),
         (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                    'source', k.source, 'source_output', k.source_output, 'source_output_index', k.source_output_index,
                    'target', k.target, 'target_input', k.target_input, 'target_input_index', k.target_input_index)
                  order by k.source collate "C", k.source_output collate "C", k.source_output_index,
                           k.target collate "C", k.target_input collate "C", k.target_input_index), '[]'::jsonb) from k)
    into v_bad_ord, v_bad_field, v_has_dup, v_conns
    from (select 1) one
    left join lateral (select x.ord, x.field from e x where x.field is not null order by x.ord limit 1) b on true;
  if v_bad_field is not null then
    raise exception 'connection % is invalid (%)', v_bad_ord,
      case when v_bad_field in ('connections.source', 'connections.target') then 'its ' || pg_catalog.substr(v_bad_field, 13) || ' is not a node of this workflow' else v_bad_field end
      using errcode = 'LFVAL', detail = 'field: ' || v_bad_field;
  end if;
  if v_has_dup then
    raise exception 'duplicate connection' using errcode = 'LFVAL', detail = 'field: connections';
  end if;

  -- triggers: the config (and a schedule's cron parser) is checked once per trigger
  if pg_catalog.jsonb_typeof(v_triggers) <> 'array' then
    raise exception 'triggers must be an array' using errcode = 'LFVAL', detail = 'field: triggers';
  end if;
  with e as materialized (
    select t.ord, t.v, case
        when pg_catalog.jsonb_typeof(t.v) <> 'object' then 'triggers'
        when pg_catalog.jsonb_typeof(t.v->'type') is distinct from 'string'
          or (t.v->>'type') not in ('webhook', 'schedule', 'event', 'manual') then 'triggers.type'
        when t.v ? 'enabled' and pg_catalog.jsonb_typeof(t.v->'enabled') <> 'boolean' then 'triggers.enabled'
        when t.v ? 'node' and pg_catalog.jsonb_typeof(t.v->'node') <> 'null' and (pg_catalog.jsonb_typeof(t.v->'node') <> 'string'
          or not v_name_set ? (t.v->>'node')) then 'triggers.node'
        when r.reason is not null then 'triggers.config'
      end as field, r.reason
      from pg_catalog.jsonb_array_elements(v_triggers) with ordinality t(v, ord)
      left join lateral (
        select app_hidden.workflow_trigger_config_error(t.v->>'type', coalesce(t.v->'config', '{}'::jsonb)) as reason
         where pg_catalog.jsonb_typeof(t.v) = 'object' and (t.v->>'type') in ('webhook', 'schedule', 'event', 'manual')) r on true)
  select b.ord, b.field, b.reason,
         (select coalesce(pg_catalog.jsonb_agg(x.t order by x.t->>'type' collate "C", x.t->>'node' collate "C", (x.t->'config')::text collate "C", x.t->>'enabled'), '[]'::jsonb)
            from (select pg_catalog.jsonb_build_object(
                           'type', e.v->>'type',
                           'config', coalesce(e.v->'config', '{}'::jsonb),
                           'enabled', coalesce((e.v->>'enabled')::boolean, true),
                           'node', e.v->'node') as t
                    from e where e.field is null) x)
    into v_bad_ord, v_bad_field, v_bad_reason, v_triggers
    from (select 1) one
    left join lateral (select x.ord, x.field, x.reason from e x where x.field is not null order by x.ord limit 1) b on true;
  if v_bad_field is not null then
    raise exception 'trigger % is invalid (%)', v_bad_ord,
      case when v_bad_field = 'triggers.config' then v_bad_reason when v_bad_field = 'triggers.node' then 'its node is not a node of this workflow' else v_bad_field end
      using errcode = 'LFVAL', detail = 'field: ' || v_bad_field;
  end if;

  return pg_catalog.jsonb_build_object(
    'name', v_name,
    'description', v_description,
    'settings', v_settings,
    'tags', v_tags,
    'nodes', v_nodes,
    'connections', v_conns,
    'triggers', v_triggers);
end;
$$;
comment on function app_private.workflow_normalize_definition(jsonb, app_public.workflows) is
'Validates a workflow definition and returns its canonical snapshot {name, description, settings, tags, nodes, connections, triggers}
(nodes sorted by name with defaults filled in; connections and triggers sorted; connections and triggers refer to nodes by name).
Raises LFVAL (DETAIL field: ...) for invalid input and LFLIM when the definition is over the size or node-count limit.
Attributes absent from the definition come from fallback (the current workflow on save). Each array is read once: one statement
per array finds the first invalid element, duplicates and the canonical form; a trigger''s config is checked once.';

-- The node type shape, checked on every node row written: the same rule without the bounded repetition.
alter table app_public.workflow_nodes drop constraint if exists workflow_nodes_type_shape;
alter table app_public.workflow_nodes add constraint workflow_nodes_type_shape
  check (char_length(type) <= 200 and type ~ '^[A-Za-z0-9_.:@/-]+$');

------------------------------------------------------------------------------------------------------------
-- Ids for many new rows at once
------------------------------------------------------------------------------------------------------------
create or replace function app_private.uuid_generate_v7_series(n integer) returns setof uuid
  language sql volatile
  set search_path = pg_catalog
as $$
  -- the bits of app_public.uuid_generate_v7(), for n rows in one call (that function is one SQL-function
  -- call per row: about 40% of inserting 200 nodes went there)
  select pg_catalog.encode(
    pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(pg_catalog.set_bit(
      overlay(public.gen_random_bytes(16)
        placing substring(pg_catalog.int8send((extract(epoch from pg_catalog.clock_timestamp()) * 1000)::bigint) from 3)
        from 1 for 6),
      55, 0), 54, 1), 53, 1), 52, 1), 71, 1), 70, 0), 'hex')::uuid
    from pg_catalog.generate_series(1, n);
$$;
comment on function app_private.uuid_generate_v7_series(integer) is 'n time-ordered UUIDs (version 7, as app_public.uuid_generate_v7()) in one call, for set-based inserts of many rows.';

------------------------------------------------------------------------------------------------------------
-- Diff writes of the live graph
------------------------------------------------------------------------------------------------------------
drop function if exists app_private.workflow_write_graph(uuid, uuid, jsonb);
drop function if exists app_private.workflow_write_graph(uuid, uuid, jsonb, boolean);
create function app_private.workflow_write_graph(workflow_id uuid, team_id uuid, snapshot jsonb, build_document boolean default true,
  out changed boolean, out nodes json, out connections json, out triggers json)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_ids jsonb;          -- node name -> id, for every node of the snapshot
  v_del uuid[];         -- nodes to delete
  v_upd jsonb;          -- changed nodes (with their ids)
  v_ins jsonb;          -- new nodes (given their ids below)
  v_conn_del uuid[];
  v_conn_ins jsonb;     -- new connections, with their position in the snapshot (ord)
  v_conn_ids jsonb;     -- ids of the kept connections in snapshot order (null for new ones)
  v_trig_del uuid[];
  v_trig_ins jsonb;
  v_trig_ids jsonb;
  v_new_ids jsonb;      -- ord -> id of new connections / triggers
begin
  -- 1. nodes against the live rows, by name
  select coalesce(pg_catalog.array_agg(c.id) filter (where w.name is null), '{}'),
         pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', c.id) || w.node)
           filter (where c.id is not null and w.name is not null
                     and (c.type, c.type_version, c.parameters, c.position_x, c.position_y, c.disabled)
                         is distinct from (w.type, w.type_version, w.parameters, w.position_x, w.position_y, w.disabled)),
         pg_catalog.jsonb_agg(w.node) filter (where c.id is null),
         coalesce(pg_catalog.jsonb_object_agg(w.name, c.id) filter (where c.id is not null and w.name is not null), '{}')
    into v_del, v_upd, v_ins, v_ids
    from (select x.node, x.node->>'name' as name, x.node->>'type' as type, (x.node->>'type_version')::integer as type_version,
                 x.node->'parameters' as parameters, (x.node->'position'->>0)::integer as position_x,
                 (x.node->'position'->>1)::integer as position_y, (x.node->>'disabled')::boolean as disabled
            from pg_catalog.jsonb_array_elements(snapshot->'nodes') x(node)) w
    full join (select n.id, n.name, n.type, n.type_version, n.parameters, n.position_x, n.position_y, n.disabled
                 from app_public.workflow_nodes n where n.workflow_id = workflow_write_graph.workflow_id) c on c.name = w.name;

  if v_ins is not null then
    -- new nodes get their ids here, so edges, triggers and the document can refer to them
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', i.id) || v.v) into v_ins
      from pg_catalog.jsonb_array_elements(v_ins) with ordinality v(v, ord)
      join app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(v_ins)) with ordinality i(id, ord) using (ord);
    v_ids := v_ids || (select pg_catalog.jsonb_object_agg(v->>'name', v->'id') from pg_catalog.jsonb_array_elements(v_ins) v);
    insert into app_public.workflow_nodes (id, workflow_id, team_id, name, type, type_version, parameters, position_x, position_y, disabled)
    select (v->>'id')::uuid, workflow_write_graph.workflow_id, workflow_write_graph.team_id, v->>'name', v->>'type', (v->>'type_version')::integer,
           v->'parameters', (v->'position'->>0)::integer, (v->'position'->>1)::integer, (v->>'disabled')::boolean
      from pg_catalog.jsonb_array_elements(v_ins) v;
  end if;
  if v_upd is not null then
    update app_public.workflow_nodes n
       set type = v->>'type', type_version = (v->>'type_version')::integer, parameters = v->'parameters',
           position_x = (v->'position'->>0)::integer, position_y = (v->'position'->>1)::integer, disabled = (v->>'disabled')::boolean
      from pg_catalog.jsonb_array_elements(v_upd) v
     where n.workflow_id = workflow_write_graph.workflow_id and n.id = (v->>'id')::uuid;
  end if;

  -- 2. connections (a set: unique edges) against the live rows, by their node ids and ports
  select pg_catalog.array_agg(c.id) filter (where w.ord is null),
         pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('ord', w.ord, 's', w.source_node_id, 'so', w.source_output, 'soi', w.source_output_index,
                                                            't', w.target_node_id, 'ti', w.target_input, 'tii', w.target_input_index))
           filter (where c.id is null),
         pg_catalog.jsonb_agg(c.id order by w.ord) filter (where w.ord is not null)
    into v_conn_del, v_conn_ins, v_conn_ids
    from (select x.ord, (v_ids->>(x.c->>'source'))::uuid as source_node_id, x.c->>'source_output' as source_output,
                 (x.c->>'source_output_index')::integer as source_output_index, (v_ids->>(x.c->>'target'))::uuid as target_node_id,
                 x.c->>'target_input' as target_input, (x.c->>'target_input_index')::integer as target_input_index
            from pg_catalog.jsonb_array_elements(snapshot->'connections') with ordinality x(c, ord)) w
    full join (select k.id, k.source_node_id, k.source_output, k.source_output_index, k.target_node_id, k.target_input, k.target_input_index
                 from app_public.workflow_connections k where k.workflow_id = workflow_write_graph.workflow_id) c
      on (c.source_node_id, c.source_output, c.source_output_index, c.target_node_id, c.target_input, c.target_input_index)
       = (w.source_node_id, w.source_output, w.source_output_index, w.target_node_id, w.target_input, w.target_input_index);
  if v_conn_del is not null then
    delete from app_public.workflow_connections k where k.workflow_id = workflow_write_graph.workflow_id and k.id = any (v_conn_del);
  end if;
  if v_conn_ins is not null then
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', i.id) || v.v) into v_conn_ins
      from pg_catalog.jsonb_array_elements(v_conn_ins) with ordinality v(v, ord)
      join app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(v_conn_ins)) with ordinality i(id, ord) using (ord);
    v_new_ids := (select pg_catalog.jsonb_object_agg(v->>'ord', v->'id') from pg_catalog.jsonb_array_elements(v_conn_ins) v);
    v_conn_ids := (select pg_catalog.jsonb_agg(coalesce(nullif(e.id, 'null'::jsonb), v_new_ids->(e.ord::text)) order by e.ord)
                     from pg_catalog.jsonb_array_elements(v_conn_ids) with ordinality e(id, ord));
    insert into app_public.workflow_connections (id, workflow_id, team_id, source_node_id, source_output, source_output_index,
                                                 target_node_id, target_input, target_input_index)
    select (v->>'id')::uuid, workflow_write_graph.workflow_id, workflow_write_graph.team_id, (v->>'s')::uuid, v->>'so', (v->>'soi')::integer,
           (v->>'t')::uuid, v->>'ti', (v->>'tii')::integer
      from pg_catalog.jsonb_array_elements(v_conn_ins) v;
  end if;

  -- 3. triggers (a multiset: equal triggers pair up by their rank among equals)
  select pg_catalog.array_agg(c.id) filter (where w.ord is null),
         pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('ord', w.ord, 'type', w.type, 'config', w.config, 'enabled', w.enabled, 'node_id', w.node_id))
           filter (where c.id is null),
         pg_catalog.jsonb_agg(c.id order by w.ord) filter (where w.ord is not null)
    into v_trig_del, v_trig_ins, v_trig_ids
    from (select y.*, pg_catalog.row_number() over (partition by y.type, y.config, y.enabled, y.node_id order by y.ord) as rank
            from (select x.ord, x.t->>'type' as type, x.t->'config' as config, (x.t->>'enabled')::boolean as enabled,
                         (v_ids->>(x.t->>'node'))::uuid as node_id
                    from pg_catalog.jsonb_array_elements(snapshot->'triggers') with ordinality x(t, ord)) y) w
    full join (select k.id, k.type, k.config, k.enabled, k.node_id,
                      pg_catalog.row_number() over (partition by k.type, k.config, k.enabled, k.node_id order by k.id) as rank
                 from app_public.workflow_triggers k where k.workflow_id = workflow_write_graph.workflow_id) c
      on c.type = w.type and c.config = w.config and c.enabled = w.enabled and c.rank = w.rank
     and coalesce(c.node_id, '00000000-0000-0000-0000-000000000000') = coalesce(w.node_id, '00000000-0000-0000-0000-000000000000');
  if v_trig_del is not null then
    delete from app_public.workflow_triggers k where k.workflow_id = workflow_write_graph.workflow_id and k.id = any (v_trig_del);
  end if;
  if v_trig_ins is not null then
    select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('id', i.id) || v.v) into v_trig_ins
      from pg_catalog.jsonb_array_elements(v_trig_ins) with ordinality v(v, ord)
      join app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(v_trig_ins)) with ordinality i(id, ord) using (ord);
    v_new_ids := (select pg_catalog.jsonb_object_agg(v->>'ord', v->'id') from pg_catalog.jsonb_array_elements(v_trig_ins) v);
    v_trig_ids := (select pg_catalog.jsonb_agg(coalesce(nullif(e.id, 'null'::jsonb), v_new_ids->(e.ord::text)) order by e.ord)
                     from pg_catalog.jsonb_array_elements(v_trig_ids) with ordinality e(id, ord));
    insert into app_public.workflow_triggers (id, workflow_id, team_id, node_id, type, config, enabled)
    select (v->>'id')::uuid, workflow_write_graph.workflow_id, workflow_write_graph.team_id, (v->>'node_id')::uuid, v->>'type', v->'config',
           (v->>'enabled')::boolean
      from pg_catalog.jsonb_array_elements(v_trig_ins) v;
  end if;

  -- 4. removed nodes last: their edges and triggers are gone already, so the cascades find nothing
  if cardinality(v_del) > 0 then
    delete from app_public.workflow_nodes n where n.workflow_id = workflow_write_graph.workflow_id and n.id = any (v_del);
  end if;

  changed := cardinality(v_del) > 0 or v_upd is not null or v_ins is not null or v_conn_del is not null or v_conn_ins is not null
          or v_trig_del is not null or v_trig_ins is not null;
  if not (changed or build_document) then
    return;
  end if;

  -- 5. the document's graph parts, from the snapshot and the ids known above (nothing is read back)
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('id', v_ids->(x.n->>'name'), 'name', x.n->'name', 'type', x.n->'type',
                    'type_version', x.n->'type_version', 'parameters', x.n->'parameters', 'position', x.n->'position', 'disabled', x.n->'disabled')
                  order by x.ord), '[]'::json)
    into nodes
    from pg_catalog.jsonb_array_elements(snapshot->'nodes') with ordinality x(n, ord);
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('id', v_conn_ids->(x.ord::integer - 1),
                    'source', x.c->'source', 'source_node_id', v_ids->(x.c->>'source'),
                    'source_output', x.c->'source_output', 'source_output_index', x.c->'source_output_index',
                    'target', x.c->'target', 'target_node_id', v_ids->(x.c->>'target'),
                    'target_input', x.c->'target_input', 'target_input_index', x.c->'target_input_index')
                  order by x.ord), '[]'::json)
    into connections
    from pg_catalog.jsonb_array_elements(snapshot->'connections') with ordinality x(c, ord);
  select coalesce(pg_catalog.json_agg(pg_catalog.json_build_object('id', v_trig_ids->(x.ord::integer - 1), 'type', x.t->'type',
                    'config', x.t->'config', 'enabled', x.t->'enabled', 'node', x.t->'node', 'node_id', v_ids->(x.t->>'node'))
                  order by x.ord), '[]'::json)
    into triggers
    from pg_catalog.jsonb_array_elements(snapshot->'triggers') with ordinality x(t, ord);
end;
$$;
comment on function app_private.workflow_write_graph(uuid, uuid, jsonb, boolean) is
'Makes the live graph tables (nodes, connections, triggers) of a workflow equal to a canonical snapshot by writing only the
difference: nodes match by name (unchanged nodes are not touched and keep their ids; a renamed node is a new node), connections
by their ends and ports, triggers by their content (equal triggers pair up). Each kind of change is one set-based statement, run
only when it has rows; an unchanged graph writes nothing. changed: whether any row was written. When something changed or
build_document is true, nodes/connections/triggers are the GetWithNodes document''s parts (with ids), built from the snapshot.';

------------------------------------------------------------------------------------------------------------
-- The stored GetWithNodes document: the whole {workflow, nodes, connections, triggers} JSON, served as is
------------------------------------------------------------------------------------------------------------
create or replace function app_private.workflow_document_head(w app_public.workflows) returns json
  language sql stable
  set search_path = pg_catalog
as $$
  select pg_catalog.json_build_object('id', w.id, 'team_id', w.team_id, 'name', w.name, 'description', w.description,
    'status', w.status, 'settings', w.settings, 'tags', w.tags, 'current_version', w.current_version,
    'created_by', w.created_by, 'created_at', w.created_at, 'updated_at', w.updated_at, 'archived_at', w.archived_at);
$$;
comment on function app_private.workflow_document_head(app_public.workflows) is 'The "workflow" part of the GetWithNodes document: the workflow row''s columns as JSON.';

alter table app_private.workflow_graph_documents add column if not exists document json;
alter table app_private.workflow_graph_documents add column if not exists head_length integer;
alter table app_private.workflow_graph_documents add column if not exists workflow_updated_at timestamptz;
delete from app_private.workflow_graph_documents where document is null;
alter table app_private.workflow_graph_documents drop column if exists nodes;
alter table app_private.workflow_graph_documents drop column if exists connections;
alter table app_private.workflow_graph_documents drop column if exists triggers;
alter table app_private.workflow_graph_documents alter column document set not null;
alter table app_private.workflow_graph_documents alter column head_length set not null;
alter table app_private.workflow_graph_documents alter column workflow_updated_at set not null;
select app_private.use_lz4_compression('app_private.workflow_graph_documents', array['document']);
comment on table app_private.workflow_graph_documents is 'The GetWithNodes document of each workflow, whole ({workflow, nodes, connections with node names, triggers} as JSON text), written by the workflow functions in the same pass as the graph (from the normalized snapshot, not re-read) and served as stored while workflow_updated_at equals the workflow row''s updated_at. Statement triggers on the graph tables delete it on any other change to the graph; a status change rewrites only its workflow part (head_length: the length of that part).';
comment on column app_private.workflow_graph_documents.head_length is 'Characters of the document''s workflow part: the graph part starts at head_length + 15 (after {"workflow" : <head>), so a change of the workflow row alone splices a new head onto the stored graph text.';

drop function if exists app_private.workflow_build_graph_document(uuid);
create function app_private.workflow_build_graph_document(workflow_id uuid) returns json
  language sql stable
  set search_path = pg_catalog
as $$
  with n as materialized (
    select x.id, x.name, x.type, x.type_version, x.parameters, x.position_x, x.position_y, x.disabled
      from app_public.workflow_nodes x where x.workflow_id = workflow_build_graph_document.workflow_id)
  select pg_catalog.json_build_object(
    'workflow', app_private.workflow_document_head(w),
    'nodes', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object('id', n.id, 'name', n.name, 'type', n.type, 'type_version', n.type_version,
                'parameters', n.parameters, 'position', pg_catalog.json_build_array(n.position_x, n.position_y), 'disabled', n.disabled)
              order by n.name collate "C") from n), '[]'::json),
    'connections', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object('id', c.id, 'source', s.name, 'source_node_id', c.source_node_id,
                'source_output', c.source_output, 'source_output_index', c.source_output_index,
                'target', t.name, 'target_node_id', c.target_node_id, 'target_input', c.target_input, 'target_input_index', c.target_input_index)
              order by s.name collate "C", c.source_output collate "C", c.source_output_index, t.name collate "C", c.target_input collate "C", c.target_input_index)
         from app_public.workflow_connections c
         join n s on s.id = c.source_node_id
         join n t on t.id = c.target_node_id
        where c.workflow_id = workflow_build_graph_document.workflow_id), '[]'::json),
    'triggers', coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object('id', t.id, 'type', t.type, 'config', t.config, 'enabled', t.enabled,
                'node', n.name, 'node_id', t.node_id)
              order by t.type collate "C", n.name collate "C", t.config::text collate "C", t.enabled)
         from app_public.workflow_triggers t
         left join n on n.id = t.node_id
        where t.workflow_id = workflow_build_graph_document.workflow_id), '[]'::json))
    from app_public.workflows w where w.id = workflow_build_graph_document.workflow_id;
$$;
comment on function app_private.workflow_build_graph_document(uuid) is 'Builds the GetWithNodes document of a workflow from the live tables (nodes sorted by name; connections and triggers carry node names): the fallback when no current stored document exists.';

create or replace function app_private.workflow_store_graph_document(w app_public.workflows, nodes json, connections json, triggers json) returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_head json := app_private.workflow_document_head(w);
begin
  if nodes is not null then
    insert into app_private.workflow_graph_documents as g (workflow_id, document, head_length, workflow_updated_at, built_at)
    values (w.id, pg_catalog.json_build_object('workflow', v_head, 'nodes', nodes, 'connections', connections, 'triggers', triggers),
            pg_catalog.char_length(v_head::text), w.updated_at, pg_catalog.now())
    on conflict (workflow_id) do update
       set document = excluded.document, head_length = excluded.head_length, workflow_updated_at = excluded.workflow_updated_at, built_at = excluded.built_at;
    return;
  end if;
  -- the graph is unchanged: a new head on the stored graph text
  update app_private.workflow_graph_documents g
     set document = ('{"workflow" : ' || v_head::text || pg_catalog.substr(g.document::text, g.head_length + 15))::json,
         head_length = pg_catalog.char_length(v_head::text), workflow_updated_at = w.updated_at
   where g.workflow_id = w.id;
  if not found then
    perform app_private.workflow_refresh_graph_document(w.id);
  end if;
end;
$$;
comment on function app_private.workflow_store_graph_document(app_public.workflows, json, json, json) is 'Stores the GetWithNodes document of workflow w: from the graph parts given (built by workflow_write_graph), or, when they are null (graph unchanged), by putting w''s new workflow part in front of the stored graph text (built from the tables when none is stored).';

create or replace function app_private.workflow_refresh_graph_document(workflow_id uuid) returns void
  language sql volatile
  set search_path = pg_catalog
as $$
  insert into app_private.workflow_graph_documents as g (workflow_id, document, head_length, workflow_updated_at, built_at)
  select w.id, app_private.workflow_build_graph_document(w.id), pg_catalog.char_length(app_private.workflow_document_head(w)::text), w.updated_at, pg_catalog.now()
    from app_public.workflows w where w.id = workflow_refresh_graph_document.workflow_id
  on conflict (workflow_id) do update
     set document = excluded.document, head_length = excluded.head_length, workflow_updated_at = excluded.workflow_updated_at, built_at = excluded.built_at;
$$;
comment on function app_private.workflow_refresh_graph_document(uuid) is 'Rebuilds and stores the GetWithNodes document of a workflow from the live tables.';

-- documents of the workflows that existed before this migration
select app_private.workflow_refresh_graph_document(w.id) from app_public.workflows w
 where not exists (select 1 from app_private.workflow_graph_documents g where g.workflow_id = w.id);

create or replace function app_private.workflow_graph_unchecked(workflow_id uuid) returns json
  language sql stable
  set search_path = pg_catalog
as $$
  select coalesce(d.document, app_private.workflow_build_graph_document(w.id))
    from app_public.workflows w
    left join app_private.workflow_graph_documents d on d.workflow_id = w.id and d.workflow_updated_at = w.updated_at
   where w.id = workflow_graph_unchecked.workflow_id;
$$;
comment on function app_private.workflow_graph_unchecked(uuid) is 'GetWithNodes without the membership check (owner only): the stored document as is (built from the tables when none is current). The shared cache loads graphs with it and authorizes each caller itself. Same document as app_public.workflow_graph().';

create or replace function app_public.workflow_graph(workflow_id uuid) returns json
  language sql stable security definer
  set search_path = pg_catalog
as $$
  select case when app_hidden.has_team_role(w.team_id, 'viewer') then coalesce(d.document, app_private.workflow_build_graph_document(w.id)) end
    from app_public.workflows w
    left join app_private.workflow_graph_documents d on d.workflow_id = w.id and d.workflow_updated_at = w.updated_at
   where w.id = workflow_graph.workflow_id;
$$;
comment on function app_public.workflow_graph(uuid) is 'GetWithNodes: the workflow with its nodes, connections (with node names) and triggers as one JSON document {workflow, nodes, connections, triggers}, in one call: the stored document, as stored (no per-request assembly). Null when the workflow does not exist or the caller is not a member of its team (checked explicitly: SECURITY DEFINER, so the document can come from the private table). Its output is accepted back by save_workflow.';

------------------------------------------------------------------------------------------------------------
-- Writers: the graph diff and the document in one pass
------------------------------------------------------------------------------------------------------------
create or replace function app_private.workflow_create(team_id uuid, definition jsonb, message text default 'Created') returns app_public.workflows
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  snap jsonb;
  w app_public.workflows;
  g record;
begin
  if team_id is null or not app_hidden.has_team_role(team_id, 'viewer') then
    raise exception 'team not found' using errcode = 'LFNTF', detail = 'field: team_id';
  end if;
  if not app_hidden.has_team_role(team_id, 'editor') then
    raise exception 'creating workflows needs the editor role' using errcode = 'LFDNY';
  end if;
  snap := app_private.workflow_normalize_definition(definition);
  insert into app_public.workflows (team_id, name, description, settings, tags, current_version, created_by)
  values (workflow_create.team_id, snap->>'name', snap->>'description', snap->'settings',
          array(select pg_catalog.jsonb_array_elements_text(snap->'tags')), 1, app_public.current_user_id())
  returning * into w;
  select * into g from app_private.workflow_write_graph(w.id, w.team_id, snap, true);
  insert into app_public.workflow_versions (workflow_id, team_id, version, data, author_id, message)
  values (w.id, w.team_id, 1, snap, app_public.current_user_id(), coalesce(message, ''));
  perform app_private.workflow_append_event(w, 'WorkflowCreated', app_private.workflow_event_data(w));
  perform app_private.workflow_store_graph_document(w, g.nodes, g.connections, g.triggers);
  return w;
end;
$$;

create or replace function app_private.workflow_save(workflow_id uuid, expected_version integer, definition jsonb, message text, restore_from integer default null)
  returns app_public.workflows
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  w app_public.workflows;
  snap jsonb;
  data jsonb;
  g record;
begin
  w := app_private.workflow_lock(workflow_id, 'editor');
  if w.status = 'archived' then
    raise exception 'the workflow is archived' using errcode = 'LFARC', detail = 'current_state=archived';
  end if;
  if expected_version is null then
    raise exception 'expected_version is required' using errcode = 'LFVAL', detail = 'field: expected_version';
  end if;
  if expected_version <> w.current_version then
    raise exception 'the workflow is at version %, not the expected %', w.current_version, expected_version
      using errcode = 'LFVER', detail = pg_catalog.format('current_version=%s', w.current_version);
  end if;
  if message is not null and pg_catalog.char_length(message) > 2000 then
    raise exception 'message is longer than 2000 characters' using errcode = 'LFVAL', detail = 'field: message';
  end if;
  if restore_from is not null then
    select v.data into definition from app_public.workflow_versions v
     where v.workflow_id = w.id and v.version = restore_from;
    if not found then
      raise exception 'version % of this workflow does not exist', restore_from using errcode = 'LFNTF', detail = 'field: version';
    end if;
  end if;
  snap := app_private.workflow_normalize_definition(definition, w);
  -- the document's graph part is built when the graph changes, or when no document is stored
  select * into g from app_private.workflow_write_graph(w.id, w.team_id, snap,
    not exists (select 1 from app_private.workflow_graph_documents d where d.workflow_id = w.id));
  update app_public.workflows x
     set name = snap->>'name', description = snap->>'description', settings = snap->'settings',
         tags = array(select pg_catalog.jsonb_array_elements_text(snap->'tags')), current_version = x.current_version + 1
   where x.id = w.id
  returning * into w;
  insert into app_public.workflow_versions (workflow_id, team_id, version, data, author_id, message)
  values (w.id, w.team_id, w.current_version, snap, app_public.current_user_id(),
          coalesce(message, case when restore_from is not null then pg_catalog.format('Restored version %s', restore_from) else '' end));
  if w.status = 'active' then
    insert into app_public.workflow_activations (workflow_id, team_id, version, activated_by)
    values (w.id, w.team_id, w.current_version, app_public.current_user_id());
  end if;
  data := app_private.workflow_event_data(w);
  if restore_from is not null then
    data := data || pg_catalog.jsonb_build_object('restored_from', restore_from);
  end if;
  perform app_private.workflow_append_event(w, 'WorkflowSaved', data);
  perform app_private.workflow_store_graph_document(w, g.nodes, g.connections, g.triggers);
  return w;
end;
$$;

create or replace function app_private.workflow_set_status(workflow_id uuid, to_status text) returns app_public.workflows
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  w app_public.workflows;
  previous text;
  problem text;
begin
  w := app_private.workflow_lock(workflow_id, case when to_status = 'archived' then 'admin' else 'editor' end);
  previous := w.status;
  if previous = 'archived' then
    raise exception 'the workflow is archived' using errcode = 'LFARC', detail = 'current_state=archived';
  end if;
  if (to_status = 'active' and previous not in ('draft', 'inactive')) or (to_status = 'inactive' and previous <> 'active') then
    raise exception 'cannot change a % workflow to %', previous, to_status
      using errcode = 'LFSTA', detail = pg_catalog.format('current_state=%s', previous);
  end if;
  if to_status = 'active' then
    if not exists (select 1 from app_public.workflow_nodes n where n.workflow_id = w.id and not n.disabled) then
      raise exception 'only a workflow with at least one enabled node can be activated' using errcode = 'LFVAL', detail = 'field: nodes';
    end if;
    select e.problem into problem
      from app_public.workflow_triggers t
      cross join lateral (select app_hidden.workflow_trigger_config_error(t.type, t.config) as problem) e
     where t.workflow_id = w.id and t.enabled and e.problem is not null limit 1;
    if problem is not null then
      raise exception 'an enabled trigger is invalid: %', problem using errcode = 'LFVAL', detail = 'field: triggers.config';
    end if;
    if not exists (select 1 from app_public.workflow_triggers t
                    left join app_public.workflow_nodes n on n.id = t.node_id
                   where t.workflow_id = w.id and t.enabled and not coalesce(n.disabled, false)) then
      raise exception 'only a workflow with an enabled trigger can be activated' using errcode = 'LFVAL', detail = 'field: triggers';
    end if;
  end if;
  update app_public.workflows x
     set status = to_status, archived_at = case when to_status = 'archived' then pg_catalog.now() else x.archived_at end
   where x.id = w.id
  returning * into w;
  if to_status = 'active' then
    insert into app_public.workflow_activations (workflow_id, team_id, version, activated_by)
    values (w.id, w.team_id, w.current_version, app_public.current_user_id());
  end if;
  perform app_private.workflow_append_event(w, 'WorkflowStatusChanged', pg_catalog.jsonb_build_object(
    'workflow_id', w.id, 'team_id', w.team_id, 'status', w.status, 'previous_status', previous, 'version', w.current_version));
  -- the document's workflow part follows the row (the graph text is kept)
  perform app_private.workflow_store_graph_document(w, null, null, null);
  return w;
end;
$$;

------------------------------------------------------------------------------------------------------------
-- Cache invalidation for the graph tables from the workflow_id column (the generic trigger turns every
-- row, node parameters included, into jsonb): the same key, workflows:graph:<workflow_id>, per statement.
------------------------------------------------------------------------------------------------------------
create or replace function app_private.tg_workflow_graph__invalidate_cache() returns trigger
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  v_keys text[];
begin
  if tg_op = 'INSERT' then
    select pg_catalog.array_agg(distinct 'workflows:graph:' || n.workflow_id::text) into v_keys from new_rows n;
  elsif tg_op = 'UPDATE' then
    select pg_catalog.array_agg(distinct 'workflows:graph:' || r.workflow_id::text) into v_keys
      from (select n.workflow_id from new_rows n union all select o.workflow_id from old_rows o) r;
  else
    select pg_catalog.array_agg(distinct 'workflows:graph:' || o.workflow_id::text) into v_keys from old_rows o;
  end if;
  if v_keys is not null then
    perform app_private.enqueue_cache_invalidation(v_keys, '{}');
  end if;
  return null;
end;
$$;
comment on function app_private.tg_workflow_graph__invalidate_cache() is 'Trigger (AFTER, statement level, transition tables) on workflow_nodes, workflow_connections and workflow_triggers: enqueues invalidation of workflows:graph:<workflow_id> of the changed rows, computed from the column (the generic tg__invalidate_cache goes through jsonb per row).';

drop trigger if exists _900_invalidate_cache_insert on app_public.workflow_nodes;
drop trigger if exists _900_invalidate_cache_update on app_public.workflow_nodes;
drop trigger if exists _900_invalidate_cache_delete on app_public.workflow_nodes;
drop trigger if exists _900_invalidate_cache_insert on app_public.workflow_connections;
drop trigger if exists _900_invalidate_cache_update on app_public.workflow_connections;
drop trigger if exists _900_invalidate_cache_delete on app_public.workflow_connections;
drop trigger if exists _900_invalidate_cache_insert on app_public.workflow_triggers;
drop trigger if exists _900_invalidate_cache_update on app_public.workflow_triggers;
drop trigger if exists _900_invalidate_cache_delete on app_public.workflow_triggers;
create trigger _900_invalidate_cache_insert after insert on app_public.workflow_nodes
  referencing new table as new_rows for each statement execute function app_private.tg_workflow_graph__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.workflow_nodes
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg_workflow_graph__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.workflow_nodes
  referencing old table as old_rows for each statement execute function app_private.tg_workflow_graph__invalidate_cache();
create trigger _900_invalidate_cache_insert after insert on app_public.workflow_connections
  referencing new table as new_rows for each statement execute function app_private.tg_workflow_graph__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.workflow_connections
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg_workflow_graph__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.workflow_connections
  referencing old table as old_rows for each statement execute function app_private.tg_workflow_graph__invalidate_cache();
create trigger _900_invalidate_cache_insert after insert on app_public.workflow_triggers
  referencing new table as new_rows for each statement execute function app_private.tg_workflow_graph__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.workflow_triggers
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg_workflow_graph__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.workflow_triggers
  referencing old table as old_rows for each statement execute function app_private.tg_workflow_graph__invalidate_cache();
