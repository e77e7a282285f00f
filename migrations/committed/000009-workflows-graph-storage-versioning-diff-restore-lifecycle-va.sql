--! Previous: sha1:b00babecf62cdb73a491b56122683f7b3dbf3f6e
--! Hash: sha1:40612a58e14d0544d144a70a600f707785c26c15
--! Message: workflows: graph storage, versioning, diff, restore, lifecycle, validation, retention

------------------------------------------------------------------------------------------------------------
-- Workflows capability (issue 5).
--
-- Security model: the visitor keeps SELECT only on the workflow tables (RLS: team members read). Every write
-- goes through the SECURITY DEFINER functions below, which check the caller's team role with
-- app_hidden.has_team_role (editor: create, save, restore, activate, deactivate, duplicate; admin: archive,
-- delete) and append the domain events in the same transaction. No INSERT/UPDATE/DELETE grants exist on
-- these tables, so no write can bypass the checks or the event log. Reads (graph, history, diff, search)
-- are SECURITY INVOKER: RLS decides what the caller sees.
------------------------------------------------------------------------------------------------------------

------------------------------------------------------------------------------------------------------------
-- Settings: limits and the retention policy (one row)
------------------------------------------------------------------------------------------------------------
create table app_private.workflow_settings (
  id boolean primary key default true constraint workflow_settings_singleton check (id),
  max_nodes integer not null default 1000 constraint workflow_settings_max_nodes_range check (max_nodes between 1 and 100000),
  max_definition_bytes integer not null default 5242880
    constraint workflow_settings_max_definition_bytes_range check (max_definition_bytes between 1024 and 1073741823),
  retention_keep_last integer constraint workflow_settings_retention_keep_last_range check (retention_keep_last is null or retention_keep_last >= 1),
  updated_at timestamptz not null default now()
);
alter table app_private.workflow_settings enable row level security;
comment on table app_private.workflow_settings is 'Workflow limits and version retention (a single row). max_nodes and max_definition_bytes (of the definition as JSON text) bound every create/save; retention_keep_last null keeps every version, n keeps the last n plus every version that was ever active or is pinned by an execution.';
insert into app_private.workflow_settings default values;

------------------------------------------------------------------------------------------------------------
-- Activation history: which versions were ever live (retention never deletes them)
------------------------------------------------------------------------------------------------------------
create table app_public.workflow_activations (
  id uuid primary key default app_public.uuid_generate_v7(),
  workflow_id uuid not null references app_public.workflows (id) on delete cascade,
  team_id uuid not null references app_public.teams (id) on delete cascade,
  version integer not null,
  activated_by uuid references app_public.users (id) on delete set null,
  activated_at timestamptz not null default now(),
  constraint workflow_activations_version_fkey foreign key (workflow_id, version)
    references app_public.workflow_versions (workflow_id, version) on delete no action
);
comment on table app_public.workflow_activations is 'Every time a workflow version became the live one: on activation, and on each save or restore of an active workflow. Version retention never deletes these versions.';
create index workflow_activations_workflow_id_version_idx on app_public.workflow_activations (workflow_id, version);
create index workflow_activations_team_id_idx on app_public.workflow_activations (team_id);
create index workflow_activations_activated_by_idx on app_public.workflow_activations (activated_by);
alter table app_public.workflow_activations enable row level security;
create policy select_member on app_public.workflow_activations for select using (
  team_id in (select app_hidden.current_user_team_ids()));
grant select on app_public.workflow_activations to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Cron expressions (5 fields, ranges, lists, steps, month and weekday names, @macros)
------------------------------------------------------------------------------------------------------------
create function app_hidden.cron_field_is_valid(field text, min_value integer, max_value integer, names text[] default null, names_base integer default 0)
  returns boolean
  language plpgsql immutable parallel safe
  set search_path = pg_catalog
as $$
declare
  item text;
  m text[];
  lo integer;
  hi integer;
  tok text;
  val integer;
  i integer;
begin
  if field is null or field = '' then
    return false;
  end if;
  foreach item in array pg_catalog.string_to_array(pg_catalog.lower(field), ',') loop
    -- m[1] base (* or a or a-b), m[2] a, m[4] b, m[6] step
    m := pg_catalog.regexp_match(item, '^(\*|([0-9]{1,2}|[a-z]{3})(-([0-9]{1,2}|[a-z]{3}))?)(/([0-9]{1,2}))?$');
    if m is null then
      return false;
    end if;
    if m[6] is not null and (m[6]::integer < 1 or m[6]::integer > max_value) then
      return false;
    end if;
    if m[1] = '*' then
      continue;
    end if;
    lo := null; hi := null;
    for i in 1..2 loop
      tok := case i when 1 then m[2] else m[4] end;
      if tok is null then
        continue;
      end if;
      if tok ~ '^[0-9]+$' then
        val := tok::integer;
      elsif names is not null and pg_catalog.array_position(names, tok) is not null then
        val := pg_catalog.array_position(names, tok) - 1 + names_base;
      else
        return false;
      end if;
      if val < min_value or val > max_value then
        return false;
      end if;
      if i = 1 then lo := val; else hi := val; end if;
    end loop;
    if hi is not null and hi < lo then
      return false;
    end if;
  end loop;
  return true;
end;
$$;
comment on function app_hidden.cron_field_is_valid(text, integer, integer, text[], integer) is 'True when one cron field is a comma list of *, n, a-b, with optional /step, within min_value..max_value; names (e.g. jan..dec) map to names_base, names_base+1, ...';
grant execute on function app_hidden.cron_field_is_valid(text, integer, integer, text[], integer) to linkflow_visitor;

create function app_public.is_valid_cron_expression(expression text) returns boolean
  language plpgsql immutable parallel safe
  set search_path = pg_catalog
as $$
declare
  e text := pg_catalog.lower(pg_catalog.btrim(coalesce(expression, '')));
  f text[];
begin
  if e in ('@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly') then
    return true;
  end if;
  if pg_catalog.length(e) > 200 then
    return false;
  end if;
  f := pg_catalog.regexp_split_to_array(e, '\s+');
  if coalesce(pg_catalog.array_length(f, 1), 0) <> 5 then
    return false;
  end if;
  return app_hidden.cron_field_is_valid(f[1], 0, 59)
     and app_hidden.cron_field_is_valid(f[2], 0, 23)
     and app_hidden.cron_field_is_valid(f[3], 1, 31)
     and app_hidden.cron_field_is_valid(f[4], 1, 12, array['jan','feb','mar','apr','may','jun','jul','aug','sep','oct','nov','dec'], 1)
     and app_hidden.cron_field_is_valid(f[5], 0, 7, array['sun','mon','tue','wed','thu','fri','sat'], 0);
end;
$$;
comment on function app_public.is_valid_cron_expression(text) is 'True when expression is a valid 5-field cron expression (minute hour day-of-month month day-of-week; lists, ranges, steps, JAN-DEC and SUN-SAT names, 7 = Sunday) or one of @yearly @annually @monthly @weekly @daily @midnight @hourly.';
grant execute on function app_public.is_valid_cron_expression(text) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Validation and normalisation of a definition into the canonical snapshot
------------------------------------------------------------------------------------------------------------
create function app_hidden.workflow_trigger_config_error(type text, config jsonb) returns text
  language plpgsql stable parallel safe
  set search_path = pg_catalog
as $$
begin
  if config is null or pg_catalog.jsonb_typeof(config) <> 'object' then
    return 'config must be an object';
  end if;
  case type
    when 'schedule' then
      if pg_catalog.jsonb_typeof(config->'cron') is distinct from 'string' then
        return 'a schedule trigger needs config.cron';
      end if;
      if not app_public.is_valid_cron_expression(config->>'cron') then
        return pg_catalog.format('invalid cron expression %L', config->>'cron');
      end if;
      if config ? 'timezone' then
        if pg_catalog.jsonb_typeof(config->'timezone') <> 'string' then
          return 'config.timezone must be a string';
        end if;
        begin
          perform pg_catalog.timezone(config->>'timezone', pg_catalog.now());
        exception when others then
          return pg_catalog.format('unknown time zone %L', config->>'timezone');
        end;
      end if;
    when 'webhook' then
      if pg_catalog.jsonb_typeof(config->'path') is distinct from 'string'
         or (config->>'path') !~ '^[A-Za-z0-9][A-Za-z0-9/_.-]{0,199}$' then
        return 'a webhook trigger needs config.path (letters, digits, / _ . -; at most 200)';
      end if;
      if config ? 'method' and (pg_catalog.jsonb_typeof(config->'method') <> 'string'
          or (config->>'method') not in ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD')) then
        return 'config.method must be one of GET POST PUT PATCH DELETE HEAD';
      end if;
    when 'event' then
      if pg_catalog.jsonb_typeof(config->'event_type') is distinct from 'string'
         or pg_catalog.char_length(config->>'event_type') not between 1 and 200 then
        return 'an event trigger needs config.event_type (1..200 characters)';
      end if;
    when 'manual' then
      null;
    else
      return pg_catalog.format('unknown trigger type %L', type);
  end case;
  return null;
end;
$$;
comment on function app_hidden.workflow_trigger_config_error(text, jsonb) is 'Why a trigger config is invalid for its type, or null when it is valid: schedule needs a valid config.cron (optional config.timezone), webhook a config.path (optional config.method), event a config.event_type; manual takes any object.';
grant execute on function app_hidden.workflow_trigger_config_error(text, jsonb) to linkflow_visitor;

create function app_private.workflow_normalize_definition(definition jsonb, fallback app_public.workflows default null) returns jsonb
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
  bad record;
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

  -- nodes
  if pg_catalog.jsonb_typeof(v_nodes) <> 'array' then
    raise exception 'nodes must be an array' using errcode = 'LFVAL', detail = 'field: nodes';
  end if;
  v_count := pg_catalog.jsonb_array_length(v_nodes);
  if v_count > s.max_nodes then
    raise exception 'the workflow has % nodes, over the limit of %', v_count, s.max_nodes
      using errcode = 'LFLIM', detail = pg_catalog.format('field: nodes, count=%s, limit=%s', v_count, s.max_nodes);
  end if;
  select x.ord, x.field into bad from (
    select e.ord, case
      when pg_catalog.jsonb_typeof(e.v) <> 'object' then 'nodes'
      when pg_catalog.jsonb_typeof(e.v->'name') is distinct from 'string'
        or pg_catalog.char_length(e.v->>'name') not between 1 and 200 then 'nodes.name'
      when pg_catalog.jsonb_typeof(e.v->'type') is distinct from 'string'
        or (e.v->>'type') !~ '^[A-Za-z0-9_.:@/-]{1,200}$' then 'nodes.type'
      when e.v ? 'type_version' and (pg_catalog.jsonb_typeof(e.v->'type_version') <> 'number'
        or (e.v->>'type_version') !~ '^[1-9][0-9]{0,8}$') then 'nodes.type_version'
      when e.v ? 'parameters' and pg_catalog.jsonb_typeof(e.v->'parameters') <> 'object' then 'nodes.parameters'
      when e.v ? 'position' and (pg_catalog.jsonb_typeof(e.v->'position') <> 'array'
        or pg_catalog.jsonb_array_length(e.v->'position') <> 2
        or (e.v->'position'->>0) !~ '^-?[0-9]{1,9}$' or (e.v->'position'->>1) !~ '^-?[0-9]{1,9}$') then 'nodes.position'
      when e.v ? 'disabled' and pg_catalog.jsonb_typeof(e.v->'disabled') <> 'boolean' then 'nodes.disabled'
    end as field
    from pg_catalog.jsonb_array_elements(v_nodes) with ordinality e(v, ord)
  ) x where x.field is not null order by x.ord limit 1;
  if found then
    raise exception 'node % is invalid (%)', bad.ord, bad.field using errcode = 'LFVAL', detail = 'field: ' || bad.field;
  end if;
  select e.v->>'name' as name into bad from pg_catalog.jsonb_array_elements(v_nodes) e(v)
   group by e.v->>'name' having count(*) > 1 order by 1 limit 1;
  if found then
    raise exception 'duplicate node name %', pg_catalog.quote_literal(bad.name) using errcode = 'LFVAL', detail = 'field: nodes.name';
  end if;

  -- connections: both ends must be nodes of this definition (names looked up in a jsonb object: O(log n))
  select coalesce(pg_catalog.jsonb_object_agg(v->>'name', true), '{}'::jsonb) into v_name_set from pg_catalog.jsonb_array_elements(v_nodes) v;
  if pg_catalog.jsonb_typeof(v_conns) <> 'array' then
    raise exception 'connections must be an array' using errcode = 'LFVAL', detail = 'field: connections';
  end if;
  select x.ord, x.field into bad from (
    select c.ord, case
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
    from pg_catalog.jsonb_array_elements(v_conns) with ordinality c(v, ord)
  ) x where x.field is not null order by x.ord limit 1;
  if found then
    raise exception 'connection % is invalid (%)', bad.ord,
      case when bad.field in ('connections.source', 'connections.target') then 'its ' || pg_catalog.substr(bad.field, 13) || ' is not a node of this workflow' else bad.field end
      using errcode = 'LFVAL', detail = 'field: ' || bad.field;
  end if;
  v_conns := (
    select coalesce(pg_catalog.jsonb_agg(c order by c->>'source' collate "C", c->>'source_output' collate "C", (c->>'source_output_index')::integer,
                                         c->>'target' collate "C", c->>'target_input' collate "C", (c->>'target_input_index')::integer), '[]'::jsonb)
      from (select pg_catalog.jsonb_build_object(
                     'source', v->>'source',
                     'source_output', coalesce(v->>'source_output', 'main'),
                     'source_output_index', coalesce((v->>'source_output_index')::integer, 0),
                     'target', v->>'target',
                     'target_input', coalesce(v->>'target_input', 'main'),
                     'target_input_index', coalesce((v->>'target_input_index')::integer, 0)) as c
              from pg_catalog.jsonb_array_elements(v_conns) v) d);
  if exists (select 1 from pg_catalog.jsonb_array_elements(v_conns) c group by c having count(*) > 1) then
    raise exception 'duplicate connection' using errcode = 'LFVAL', detail = 'field: connections';
  end if;

  -- triggers
  if pg_catalog.jsonb_typeof(v_triggers) <> 'array' then
    raise exception 'triggers must be an array' using errcode = 'LFVAL', detail = 'field: triggers';
  end if;
  select x.ord, x.field, x.reason into bad from (
    select t.ord, r.field, r.reason
      from pg_catalog.jsonb_array_elements(v_triggers) with ordinality t(v, ord)
      cross join lateral (select case
          when pg_catalog.jsonb_typeof(t.v) <> 'object' then 'triggers'
          when pg_catalog.jsonb_typeof(t.v->'type') is distinct from 'string'
            or (t.v->>'type') not in ('webhook', 'schedule', 'event', 'manual') then 'triggers.type'
          when t.v ? 'enabled' and pg_catalog.jsonb_typeof(t.v->'enabled') <> 'boolean' then 'triggers.enabled'
          when t.v ? 'node' and pg_catalog.jsonb_typeof(t.v->'node') <> 'null' and (pg_catalog.jsonb_typeof(t.v->'node') <> 'string'
            or not v_name_set ? (t.v->>'node')) then 'triggers.node'
          when app_hidden.workflow_trigger_config_error(t.v->>'type', coalesce(t.v->'config', '{}'::jsonb)) is not null then 'triggers.config'
        end as field,
        case when pg_catalog.jsonb_typeof(t.v) = 'object' and (t.v->>'type') in ('webhook', 'schedule', 'event', 'manual')
          then app_hidden.workflow_trigger_config_error(t.v->>'type', coalesce(t.v->'config', '{}'::jsonb)) end as reason) r
  ) x where x.field is not null order by x.ord limit 1;
  if found then
    raise exception 'trigger % is invalid (%)', bad.ord,
      case when bad.field = 'triggers.config' then bad.reason when bad.field = 'triggers.node' then 'its node is not a node of this workflow' else bad.field end
      using errcode = 'LFVAL', detail = 'field: ' || bad.field;
  end if;

  return pg_catalog.jsonb_build_object(
    'name', v_name,
    'description', v_description,
    'settings', v_settings,
    'tags', v_tags,
    'nodes', (select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                'name', v->>'name',
                'type', v->>'type',
                'type_version', coalesce((v->>'type_version')::integer, 1),
                'parameters', coalesce(v->'parameters', '{}'::jsonb),
                'position', pg_catalog.jsonb_build_array(coalesce((v->'position'->>0)::integer, 0), coalesce((v->'position'->>1)::integer, 0)),
                'disabled', coalesce((v->>'disabled')::boolean, false)) order by v->>'name' collate "C"), '[]'::jsonb)
              from pg_catalog.jsonb_array_elements(v_nodes) v),
    'connections', v_conns,
    'triggers', (select coalesce(pg_catalog.jsonb_agg(t order by t->>'type' collate "C", t->>'node' collate "C", (t->'config')::text collate "C", t->>'enabled'), '[]'::jsonb)
                   from (select pg_catalog.jsonb_build_object(
                                  'type', v->>'type',
                                  'config', coalesce(v->'config', '{}'::jsonb),
                                  'enabled', coalesce((v->>'enabled')::boolean, true),
                                  'node', v->'node') as t
                           from pg_catalog.jsonb_array_elements(v_triggers) v) d)
  );
end;
$$;
comment on function app_private.workflow_normalize_definition(jsonb, app_public.workflows) is
'Validates a workflow definition and returns its canonical snapshot {name, description, settings, tags, nodes, connections, triggers}
(nodes sorted by name with defaults filled in; connections and triggers sorted; connections and triggers refer to nodes by name).
Raises LFVAL (DETAIL field: ...) for invalid input and LFLIM when the definition is over the size or node-count limit.
Attributes absent from the definition come from fallback (the current workflow on save).';

------------------------------------------------------------------------------------------------------------
-- The graph document (read model of GetWithNodes): built once per write, invalidated by any other change
------------------------------------------------------------------------------------------------------------
create table app_private.workflow_graph_documents (
  workflow_id uuid primary key references app_public.workflows (id) on delete cascade,
  nodes json not null,
  connections json not null,
  triggers json not null,
  built_at timestamptz not null default now()
);
alter table app_private.workflow_graph_documents enable row level security;
select app_private.use_lz4_compression('app_private.workflow_graph_documents', array['nodes', 'connections', 'triggers']);
comment on table app_private.workflow_graph_documents is 'Precomputed JSON of each workflow''s live graph (nodes, connections with node names, triggers), written by the workflow functions after each graph change and deleted by statement triggers on any other change to the graph tables. app_public.workflow_graph serves it (or builds the document when missing), so GetWithNodes reads one row instead of aggregating hundreds.';

create function app_private.workflow_build_graph_document(workflow_id uuid) returns app_private.workflow_graph_documents
  language sql stable
  set search_path = pg_catalog
as $$
  with n as materialized (
    select x.id, x.name, x.type, x.type_version, x.parameters, x.position_x, x.position_y, x.disabled
      from app_public.workflow_nodes x where x.workflow_id = workflow_build_graph_document.workflow_id)
  select workflow_build_graph_document.workflow_id,
    coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object('id', n.id, 'name', n.name, 'type', n.type, 'type_version', n.type_version,
                'parameters', n.parameters, 'position', pg_catalog.json_build_array(n.position_x, n.position_y), 'disabled', n.disabled)
              order by n.name collate "C") from n), '[]'::json),
    coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object('id', c.id, 'source', s.name, 'source_node_id', c.source_node_id,
                'source_output', c.source_output, 'source_output_index', c.source_output_index,
                'target', t.name, 'target_node_id', c.target_node_id, 'target_input', c.target_input, 'target_input_index', c.target_input_index)
              order by s.name collate "C", c.source_output collate "C", c.source_output_index, t.name collate "C", c.target_input collate "C", c.target_input_index)
         from app_public.workflow_connections c
         join n s on s.id = c.source_node_id
         join n t on t.id = c.target_node_id
        where c.workflow_id = workflow_build_graph_document.workflow_id), '[]'::json),
    coalesce((select pg_catalog.json_agg(pg_catalog.json_build_object('id', t.id, 'type', t.type, 'config', t.config, 'enabled', t.enabled,
                'node', n.name, 'node_id', t.node_id)
              order by t.type collate "C", n.name collate "C", t.config::text collate "C", t.enabled)
         from app_public.workflow_triggers t
         left join n on n.id = t.node_id
        where t.workflow_id = workflow_build_graph_document.workflow_id), '[]'::json),
    pg_catalog.now();
$$;
comment on function app_private.workflow_build_graph_document(uuid) is 'Builds the graph document of a workflow from the live tables (nodes sorted by name; connections and triggers carry node names).';

create function app_private.workflow_refresh_graph_document(workflow_id uuid) returns void
  language sql volatile
  set search_path = pg_catalog
as $$
  insert into app_private.workflow_graph_documents as g (workflow_id, nodes, connections, triggers, built_at)
  select d.workflow_id, d.nodes, d.connections, d.triggers, d.built_at
    from app_private.workflow_build_graph_document(workflow_refresh_graph_document.workflow_id) d
  on conflict (workflow_id) do update
     set nodes = excluded.nodes, connections = excluded.connections, triggers = excluded.triggers, built_at = excluded.built_at;
$$;
comment on function app_private.workflow_refresh_graph_document(uuid) is 'Rebuilds and stores the graph document of a workflow (called by the workflow functions after they change its graph).';

create function app_private.tg_workflow_graph__invalidate_document() returns trigger
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  if tg_op in ('UPDATE', 'DELETE') then
    delete from app_private.workflow_graph_documents g where g.workflow_id in (select o.workflow_id from old_rows o);
  end if;
  if tg_op in ('UPDATE', 'INSERT') then
    delete from app_private.workflow_graph_documents g where g.workflow_id in (select n.workflow_id from new_rows n);
  end if;
  return null;
end;
$$;
comment on function app_private.tg_workflow_graph__invalidate_document() is 'Statement trigger on the graph tables: drops the graph documents of the workflows whose nodes, connections or triggers changed, so a document is never stale (the workflow functions rebuild it at the end of their write).';
create trigger _900_invalidate_document_ins after insert on app_public.workflow_nodes referencing new table as new_rows
  for each statement execute function app_private.tg_workflow_graph__invalidate_document();
create trigger _900_invalidate_document_upd after update on app_public.workflow_nodes referencing old table as old_rows new table as new_rows
  for each statement execute function app_private.tg_workflow_graph__invalidate_document();
create trigger _900_invalidate_document_del after delete on app_public.workflow_nodes referencing old table as old_rows
  for each statement execute function app_private.tg_workflow_graph__invalidate_document();
create trigger _900_invalidate_document_ins after insert on app_public.workflow_connections referencing new table as new_rows
  for each statement execute function app_private.tg_workflow_graph__invalidate_document();
create trigger _900_invalidate_document_upd after update on app_public.workflow_connections referencing old table as old_rows new table as new_rows
  for each statement execute function app_private.tg_workflow_graph__invalidate_document();
create trigger _900_invalidate_document_del after delete on app_public.workflow_connections referencing old table as old_rows
  for each statement execute function app_private.tg_workflow_graph__invalidate_document();
create trigger _900_invalidate_document_ins after insert on app_public.workflow_triggers referencing new table as new_rows
  for each statement execute function app_private.tg_workflow_graph__invalidate_document();
create trigger _900_invalidate_document_upd after update on app_public.workflow_triggers referencing old table as old_rows new table as new_rows
  for each statement execute function app_private.tg_workflow_graph__invalidate_document();
create trigger _900_invalidate_document_del after delete on app_public.workflow_triggers referencing old table as old_rows
  for each statement execute function app_private.tg_workflow_graph__invalidate_document();

------------------------------------------------------------------------------------------------------------
-- Internal writers
------------------------------------------------------------------------------------------------------------
create function app_private.workflow_write_graph(workflow_id uuid, team_id uuid, snapshot jsonb) returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  -- Triggers are few: replace them. Nodes are upserted by name (unchanged nodes are not rewritten and keep
  -- their ids); connections are reconciled as a set.
  delete from app_public.workflow_triggers t where t.workflow_id = workflow_write_graph.workflow_id;
  delete from app_public.workflow_nodes n
   where n.workflow_id = workflow_write_graph.workflow_id
     and not exists (select 1 from pg_catalog.jsonb_array_elements(snapshot->'nodes') v where v->>'name' = n.name);
  insert into app_public.workflow_nodes as n (workflow_id, team_id, name, type, type_version, parameters, position_x, position_y, disabled)
  select workflow_write_graph.workflow_id, workflow_write_graph.team_id, v->>'name', v->>'type', (v->>'type_version')::integer,
         v->'parameters', (v->'position'->>0)::integer, (v->'position'->>1)::integer, (v->>'disabled')::boolean
    from pg_catalog.jsonb_array_elements(snapshot->'nodes') v
  on conflict on constraint workflow_nodes_workflow_id_name_key do update
     set type = excluded.type, type_version = excluded.type_version, parameters = excluded.parameters,
         position_x = excluded.position_x, position_y = excluded.position_y, disabled = excluded.disabled
   where (n.type, n.type_version, n.position_x, n.position_y, n.disabled, n.parameters)
         is distinct from (excluded.type, excluded.type_version, excluded.position_x, excluded.position_y, excluded.disabled, excluded.parameters);

  with wanted as (
    select s.id as source_node_id, c->>'source_output' as source_output, (c->>'source_output_index')::integer as source_output_index,
           t.id as target_node_id, c->>'target_input' as target_input, (c->>'target_input_index')::integer as target_input_index
      from pg_catalog.jsonb_array_elements(snapshot->'connections') c
      join app_public.workflow_nodes s on s.workflow_id = workflow_write_graph.workflow_id and s.name = c->>'source'
      join app_public.workflow_nodes t on t.workflow_id = workflow_write_graph.workflow_id and t.name = c->>'target')
  delete from app_public.workflow_connections x
   where x.workflow_id = workflow_write_graph.workflow_id
     and not exists (select 1 from wanted w
                      where (w.source_node_id, w.source_output, w.source_output_index, w.target_node_id, w.target_input, w.target_input_index)
                          = (x.source_node_id, x.source_output, x.source_output_index, x.target_node_id, x.target_input, x.target_input_index));
  insert into app_public.workflow_connections (workflow_id, team_id, source_node_id, source_output, source_output_index, target_node_id, target_input, target_input_index)
  select workflow_write_graph.workflow_id, workflow_write_graph.team_id, s.id, c->>'source_output', (c->>'source_output_index')::integer,
         t.id, c->>'target_input', (c->>'target_input_index')::integer
    from pg_catalog.jsonb_array_elements(snapshot->'connections') c
    join app_public.workflow_nodes s on s.workflow_id = workflow_write_graph.workflow_id and s.name = c->>'source'
    join app_public.workflow_nodes t on t.workflow_id = workflow_write_graph.workflow_id and t.name = c->>'target'
  on conflict on constraint workflow_connections_unique_edge do nothing;

  insert into app_public.workflow_triggers (workflow_id, team_id, node_id, type, config, enabled)
  select workflow_write_graph.workflow_id, workflow_write_graph.team_id, n.id, v->>'type', v->'config', (v->>'enabled')::boolean
    from pg_catalog.jsonb_array_elements(snapshot->'triggers') v
    left join app_public.workflow_nodes n on n.workflow_id = workflow_write_graph.workflow_id and n.name = v->>'node';
end;
$$;
comment on function app_private.workflow_write_graph(uuid, uuid, jsonb) is 'Makes the live graph tables (nodes, connections, triggers) of a workflow equal to a canonical snapshot: nodes upserted by name (unchanged ones untouched), connections reconciled, triggers replaced.';

create function app_private.workflow_event_metadata() returns jsonb
  language sql stable
  set search_path = pg_catalog
as $$
  select pg_catalog.jsonb_build_object('actor', app_public.current_user_id())
      || pg_catalog.jsonb_strip_nulls(pg_catalog.jsonb_build_object(
           'correlation_id', nullif(pg_catalog.current_setting('linkflow.correlation_id', true), ''),
           'causation_id', nullif(pg_catalog.current_setting('linkflow.causation_id', true), ''),
           'trace_id', nullif(pg_catalog.current_setting('linkflow.trace_id', true), '')));
$$;
comment on function app_private.workflow_event_metadata() is 'Event metadata for workflow events: the acting user, and correlation/causation/trace ids from the linkflow.* settings of the transaction when set.';

create function app_private.workflow_event_data(w app_public.workflows) returns jsonb
  language sql stable
  set search_path = pg_catalog
as $$
  select pg_catalog.jsonb_build_object('workflow_id', w.id, 'team_id', w.team_id, 'name', w.name, 'description', w.description,
    'status', w.status, 'settings', w.settings, 'tags', pg_catalog.to_jsonb(w.tags), 'version', w.current_version);
$$;
comment on function app_private.workflow_event_data(app_public.workflows) is 'Data of WorkflowCreated / WorkflowSaved events: the workflow''s foldable state.';

create function app_private.workflow_append_event(w app_public.workflows, type text, data jsonb) returns void
  language sql volatile
  set search_path = pg_catalog
as $$
  select null::void from app_private.append_events('workflow-' || w.id::text, 'workflow', null,
    pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('type', type, 'data', data, 'metadata', app_private.workflow_event_metadata())),
    w.team_id);
$$;
comment on function app_private.workflow_append_event(app_public.workflows, text, jsonb) is 'Appends one event to the workflow''s stream (workflow-<id>) in the current transaction.';

create function app_private.workflow_lock(workflow_id uuid, min_role text) returns app_public.workflows
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  w app_public.workflows;
begin
  select * into w from app_public.workflows x where x.id = workflow_lock.workflow_id for update;
  if not found or not app_hidden.has_team_role(w.team_id, 'viewer') then
    raise exception 'workflow not found' using errcode = 'LFNTF', detail = 'field: workflow_id';
  end if;
  if not app_hidden.has_team_role(w.team_id, min_role) then
    raise exception 'this action needs the % role in the workflow''s team', min_role using errcode = 'LFDNY';
  end if;
  return w;
end;
$$;
comment on function app_private.workflow_lock(uuid, text) is 'Locks a workflow row (FOR UPDATE: concurrent writers queue here) after checking the caller may see it (else LFNTF) and has min_role in its team (else LFDNY).';

create function app_private.workflow_create(team_id uuid, definition jsonb, message text default 'Created') returns app_public.workflows
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  snap jsonb;
  w app_public.workflows;
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
  perform app_private.workflow_write_graph(w.id, w.team_id, snap);
  insert into app_public.workflow_versions (workflow_id, team_id, version, data, author_id, message)
  values (w.id, w.team_id, 1, snap, app_public.current_user_id(), coalesce(message, ''));
  perform app_private.workflow_append_event(w, 'WorkflowCreated', app_private.workflow_event_data(w));
  perform app_private.workflow_refresh_graph_document(w.id);
  return w;
end;
$$;
comment on function app_private.workflow_create(uuid, jsonb, text) is 'Creates a workflow with its graph and version 1 and appends WorkflowCreated (checks: editor in the team).';

create function app_private.workflow_save(workflow_id uuid, expected_version integer, definition jsonb, message text, restore_from integer default null)
  returns app_public.workflows
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  w app_public.workflows;
  snap jsonb;
  data jsonb;
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
  perform app_private.workflow_write_graph(w.id, w.team_id, snap);
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
  perform app_private.workflow_refresh_graph_document(w.id);
  return w;
end;
$$;
comment on function app_private.workflow_save(uuid, integer, jsonb, text, integer) is 'Replaces a workflow''s graph and writes the next immutable version (optimistic concurrency on expected_version under the row lock; LFVER names the current version). With restore_from, the definition is that version''s snapshot.';

create function app_private.workflow_set_status(workflow_id uuid, to_status text) returns app_public.workflows
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
    select app_hidden.workflow_trigger_config_error(t.type, t.config) into problem
      from app_public.workflow_triggers t
     where t.workflow_id = w.id and t.enabled and app_hidden.workflow_trigger_config_error(t.type, t.config) is not null limit 1;
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
  return w;
end;
$$;
comment on function app_private.workflow_set_status(uuid, text) is 'Lifecycle transitions: draft|inactive -> active (a valid graph with an enabled trigger; records the activation), active -> inactive, any -> archived (admin). Appends WorkflowStatusChanged.';

------------------------------------------------------------------------------------------------------------
-- The SQL API (GraphQL mutations): SECURITY DEFINER, explicit role checks
------------------------------------------------------------------------------------------------------------
create function app_public.create_workflow(team_id uuid, definition jsonb) returns app_public.workflows
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select app_private.workflow_create(team_id, definition);
$$;
comment on function app_public.create_workflow(uuid, jsonb) is
E'@resultFieldName workflow\nCreates a workflow in a team from a definition {name, description?, settings?, tags?, nodes: [{name, type, type_version?, parameters?, position?: [x, y], disabled?}],
connections: [{source, target, source_output?, source_output_index?, target_input?, target_input_index?}] (nodes by name),
triggers: [{type: webhook|schedule|event|manual, config, enabled?, node?}]}: the workflow, its graph and version 1 in one transaction,
plus a WorkflowCreated event. Needs the editor role. Errors: LFVAL (field), LFLIM, LFNTF, LFDNY.';
grant execute on function app_public.create_workflow(uuid, jsonb) to linkflow_visitor;

create function app_public.save_workflow(workflow_id uuid, expected_version integer, definition jsonb, message text default null)
  returns app_public.workflows
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select app_private.workflow_save(workflow_id, expected_version, definition, message);
$$;
comment on function app_public.save_workflow(uuid, integer, jsonb, text) is
E'@resultFieldName workflow\nReplaces the workflow''s graph with the definition and writes the next immutable version (full snapshot, author = the caller), plus a
WorkflowSaved event. Absent name/description/settings/tags keep their values. A stale expected_version raises LFVER with DETAIL
current_version=N and changes nothing; concurrent saves serialise on the workflow row. Needs the editor role; archived workflows raise LFARC.';
grant execute on function app_public.save_workflow(uuid, integer, jsonb, text) to linkflow_visitor;

create function app_public.restore_workflow_version(workflow_id uuid, version integer, expected_version integer)
  returns app_public.workflows
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select app_private.workflow_save(workflow_id, expected_version, null, null, version);
$$;
comment on function app_public.restore_workflow_version(uuid, integer, integer) is E'@resultFieldName workflow\nWrites a new version whose snapshot equals version `version` (history is never rewritten); WorkflowSaved carries restored_from. Same checks as save_workflow.';
grant execute on function app_public.restore_workflow_version(uuid, integer, integer) to linkflow_visitor;

create function app_public.activate_workflow(workflow_id uuid) returns app_public.workflows
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select app_private.workflow_set_status(workflow_id, 'active');
$$;
comment on function app_public.activate_workflow(uuid) is E'@resultFieldName workflow\nActivates a draft or inactive workflow whose graph has an enabled node and an enabled, valid trigger (else LFVAL); records the activation and appends WorkflowStatusChanged. Needs the editor role.';
grant execute on function app_public.activate_workflow(uuid) to linkflow_visitor;

create function app_public.deactivate_workflow(workflow_id uuid) returns app_public.workflows
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select app_private.workflow_set_status(workflow_id, 'inactive');
$$;
comment on function app_public.deactivate_workflow(uuid) is E'@resultFieldName workflow\nDeactivates an active workflow (else LFSTA) and appends WorkflowStatusChanged. Needs the editor role.';
grant execute on function app_public.deactivate_workflow(uuid) to linkflow_visitor;

create function app_public.archive_workflow(workflow_id uuid) returns app_public.workflows
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select app_private.workflow_set_status(workflow_id, 'archived');
$$;
comment on function app_public.archive_workflow(uuid) is E'@resultFieldName workflow\nSoft-deletes a workflow: status archived, archived_at set; it then refuses saves and lifecycle changes (LFARC). Appends WorkflowStatusChanged. Needs the admin role.';
grant execute on function app_public.archive_workflow(uuid) to linkflow_visitor;

create function app_public.delete_workflow(workflow_id uuid) returns uuid
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  w app_public.workflows;
begin
  w := app_private.workflow_lock(workflow_id, 'admin');
  delete from app_public.workflows x where x.id = w.id;
  perform app_private.workflow_append_event(w, 'WorkflowDeleted', pg_catalog.jsonb_build_object('workflow_id', w.id, 'team_id', w.team_id));
  return w.id;
end;
$$;
comment on function app_public.delete_workflow(uuid) is E'@resultFieldName deletedWorkflowId\nDeletes a workflow for good with its graph, versions and executions (the event stream stays) and appends WorkflowDeleted. Needs the admin role. Returns the deleted id.';
grant execute on function app_public.delete_workflow(uuid) to linkflow_visitor;

create function app_public.duplicate_workflow(workflow_id uuid, team_id uuid, name text default null) returns app_public.workflows
  language plpgsql volatile security definer
  set search_path = pg_catalog
as $$
declare
  src app_public.workflows;
  snap jsonb;
begin
  select * into src from app_public.workflows x where x.id = duplicate_workflow.workflow_id;
  if not found or not app_hidden.has_team_role(src.team_id, 'viewer') then
    raise exception 'workflow not found' using errcode = 'LFNTF', detail = 'field: workflow_id';
  end if;
  select v.data into snap from app_public.workflow_versions v where v.workflow_id = src.id and v.version = src.current_version;
  snap := snap || pg_catalog.jsonb_build_object('name', coalesce(duplicate_workflow.name, pg_catalog.left(src.name, 193) || ' (copy)'));
  return app_private.workflow_create(duplicate_workflow.team_id, snap, pg_catalog.format('Duplicated from %s version %s', src.id, src.current_version));
end;
$$;
comment on function app_public.duplicate_workflow(uuid, uuid, text) is E'@resultFieldName workflow\nCopies a workflow''s current version into a team the caller can edit (viewer of the source, editor of the target) as a new draft workflow at version 1 (default name: "<name> (copy)"). Appends WorkflowCreated.';
grant execute on function app_public.duplicate_workflow(uuid, uuid, text) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Reads (GraphQL queries): SECURITY INVOKER, RLS decides
------------------------------------------------------------------------------------------------------------
create function app_public.workflow_graph(workflow_id uuid) returns json
  language plpgsql stable security definer
  set search_path = pg_catalog
as $$
declare
  w app_public.workflows;
  d app_private.workflow_graph_documents;
begin
  select * into w from app_public.workflows x where x.id = workflow_graph.workflow_id;
  if not found or not app_hidden.has_team_role(w.team_id, 'viewer') then
    return null;
  end if;
  select * into d from app_private.workflow_graph_documents g where g.workflow_id = w.id;
  if not found then
    d := app_private.workflow_build_graph_document(w.id);
  end if;
  return pg_catalog.json_build_object(
    'workflow', pg_catalog.json_build_object('id', w.id, 'team_id', w.team_id, 'name', w.name, 'description', w.description,
       'status', w.status, 'settings', w.settings, 'tags', w.tags, 'current_version', w.current_version,
       'created_by', w.created_by, 'created_at', w.created_at, 'updated_at', w.updated_at, 'archived_at', w.archived_at),
    'nodes', d.nodes, 'connections', d.connections, 'triggers', d.triggers);
end;
$$;
comment on function app_public.workflow_graph(uuid) is 'GetWithNodes: the workflow with its nodes, connections (with node names) and triggers as one JSON document {workflow, nodes, connections, triggers}, in one call. Null when the workflow does not exist or the caller is not a member of its team (checked explicitly: SECURITY DEFINER, so the graph part can come from the precomputed document). Its output is accepted back by save_workflow.';
grant execute on function app_public.workflow_graph(uuid) to linkflow_visitor;

create function app_public.workflow_version_history(workflow_id uuid, before_version integer default null, max_rows integer default 50)
  returns table (version integer, author_id uuid, message text, created_at timestamptz, was_active boolean)
  language sql stable
  set search_path = pg_catalog
as $$
  select v.version, v.author_id, v.message, v.created_at,
         exists (select 1 from app_public.workflow_activations a where a.workflow_id = v.workflow_id and a.version = v.version)
    from app_public.workflow_versions v
   where v.workflow_id = workflow_version_history.workflow_id
     and (before_version is null or v.version < before_version)
   order by v.version desc
   limit least(greatest(coalesce(max_rows, 50), 1), 1000);
$$;
comment on function app_public.workflow_version_history(uuid, integer, integer) is 'A workflow''s versions, newest first, light columns only (never the snapshot): keyset-paginate with before_version = the last version seen. was_active: the version was live at some point.';
grant execute on function app_public.workflow_version_history(uuid, integer, integer) to linkflow_visitor;

create function app_hidden.workflow_snapshot_diff(a jsonb, b jsonb) returns jsonb
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  with
  na as (select x->>'name' as name, x as node from pg_catalog.jsonb_array_elements(coalesce(a->'nodes', '[]')) x),
  nb as (select x->>'name' as name, x as node from pg_catalog.jsonb_array_elements(coalesce(b->'nodes', '[]')) x),
  changed as (
    select na.name,
           (select pg_catalog.jsonb_agg(k order by k) from pg_catalog.jsonb_object_keys(na.node || nb.node) k
             where k <> 'name' and (na.node->k) is distinct from (nb.node->k)) as fields,
           na.node as old_node, nb.node as new_node
      from na join nb using (name)
     where na.node <> nb.node),
  settings_keys as (
    select k, a->'settings'->k as old_value, b->'settings'->k as new_value
      from (select pg_catalog.jsonb_object_keys(coalesce(a->'settings', '{}')) as k
            union select pg_catalog.jsonb_object_keys(coalesce(b->'settings', '{}'))) ks
     where (a->'settings'->k) is distinct from (b->'settings'->k))
  select pg_catalog.jsonb_build_object(
    'identical', a is not distinct from b,
    'workflow', coalesce((select pg_catalog.jsonb_object_agg(k, pg_catalog.jsonb_build_object('from', a->k, 'to', b->k))
                            from unnest(array['name', 'description', 'tags']) k where (a->k) is distinct from (b->k)), '{}'),
    'settings', pg_catalog.jsonb_build_object(
      'added', coalesce((select pg_catalog.jsonb_object_agg(k, new_value) from settings_keys where old_value is null), '{}'),
      'removed', coalesce((select pg_catalog.jsonb_object_agg(k, old_value) from settings_keys where new_value is null), '{}'),
      'changed', coalesce((select pg_catalog.jsonb_object_agg(k, pg_catalog.jsonb_build_object('from', old_value, 'to', new_value))
                             from settings_keys where old_value is not null and new_value is not null), '{}')),
    'nodes', pg_catalog.jsonb_build_object(
      'added', coalesce((select pg_catalog.jsonb_agg(nb.node order by nb.name collate "C") from nb where not exists (select 1 from na where na.name = nb.name)), '[]'),
      'removed', coalesce((select pg_catalog.jsonb_agg(na.node order by na.name collate "C") from na where not exists (select 1 from nb where nb.name = na.name)), '[]'),
      'changed', coalesce((select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
                   'name', c.name, 'fields', c.fields,
                   'from', (select pg_catalog.jsonb_object_agg(f, c.old_node->f) from pg_catalog.jsonb_array_elements_text(c.fields) f),
                   'to', (select pg_catalog.jsonb_object_agg(f, c.new_node->f) from pg_catalog.jsonb_array_elements_text(c.fields) f))
                 order by c.name collate "C") from changed c), '[]')),
    'connections', pg_catalog.jsonb_build_object(
      'added', coalesce((select pg_catalog.jsonb_agg(x) from (select x from pg_catalog.jsonb_array_elements(coalesce(b->'connections', '[]')) x
                                                             except all select x from pg_catalog.jsonb_array_elements(coalesce(a->'connections', '[]')) x) d), '[]'),
      'removed', coalesce((select pg_catalog.jsonb_agg(x) from (select x from pg_catalog.jsonb_array_elements(coalesce(a->'connections', '[]')) x
                                                               except all select x from pg_catalog.jsonb_array_elements(coalesce(b->'connections', '[]')) x) d), '[]')),
    'triggers', pg_catalog.jsonb_build_object(
      'added', coalesce((select pg_catalog.jsonb_agg(x) from (select x from pg_catalog.jsonb_array_elements(coalesce(b->'triggers', '[]')) x
                                                             except all select x from pg_catalog.jsonb_array_elements(coalesce(a->'triggers', '[]')) x) d), '[]'),
      'removed', coalesce((select pg_catalog.jsonb_agg(x) from (select x from pg_catalog.jsonb_array_elements(coalesce(a->'triggers', '[]')) x
                                                               except all select x from pg_catalog.jsonb_array_elements(coalesce(b->'triggers', '[]')) x) d), '[]')));
$$;
comment on function app_hidden.workflow_snapshot_diff(jsonb, jsonb) is 'Structural diff of two canonical workflow snapshots: workflow attribute changes, settings keys added/removed/changed, nodes added/removed/changed (by name, with the changed fields and their old and new values), connections and triggers added/removed.';
grant execute on function app_hidden.workflow_snapshot_diff(jsonb, jsonb) to linkflow_visitor;

create function app_public.diff_workflow_versions(workflow_id uuid, from_version integer, to_version integer) returns jsonb
  language plpgsql stable
  set search_path = pg_catalog
as $$
declare
  a jsonb;
  b jsonb;
begin
  select v.data into a from app_public.workflow_versions v where v.workflow_id = diff_workflow_versions.workflow_id and v.version = from_version;
  if not found then
    raise exception 'version % not found', from_version using errcode = 'LFNTF', detail = 'field: from_version';
  end if;
  select v.data into b from app_public.workflow_versions v where v.workflow_id = diff_workflow_versions.workflow_id and v.version = to_version;
  if not found then
    raise exception 'version % not found', to_version using errcode = 'LFNTF', detail = 'field: to_version';
  end if;
  return pg_catalog.jsonb_build_object('workflow_id', workflow_id, 'from_version', from_version, 'to_version', to_version)
      || app_hidden.workflow_snapshot_diff(a, b);
end;
$$;
comment on function app_public.diff_workflow_versions(uuid, integer, integer) is 'Structural diff from one version of a workflow to another (see app_hidden.workflow_snapshot_diff). LFNTF when a version does not exist or is not visible.';
grant execute on function app_public.diff_workflow_versions(uuid, integer, integer) to linkflow_visitor;

create function app_hidden.escape_like(pattern text) returns text
  language sql immutable strict parallel safe
  set search_path = pg_catalog
as $$
  select pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(pattern, E'\\', E'\\\\'), '%', E'\\%'), '_', E'\\_');
$$;
comment on function app_hidden.escape_like(text) is 'Escapes LIKE wildcards (% _ \) so a user string matches literally.';
grant execute on function app_hidden.escape_like(text) to linkflow_visitor;

create function app_public.search_workflows(
  team_id uuid,
  status text default null,
  tag text default null,
  name_contains text default null,
  after_updated_at timestamptz default null,
  after_id uuid default null,
  max_rows integer default 50
) returns setof app_public.workflows
  language sql stable
as $$
  select w.*
    from app_public.workflows w
   where w.team_id = search_workflows.team_id
     and (search_workflows.status is null or w.status = search_workflows.status)
     and (search_workflows.tag is null or w.tags @> array[search_workflows.tag])
     and (search_workflows.name_contains is null or w.name ilike '%' || app_hidden.escape_like(search_workflows.name_contains) || '%')
     and (search_workflows.after_updated_at is null
          or (w.updated_at, w.id) < (search_workflows.after_updated_at, coalesce(search_workflows.after_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid)))
   order by w.updated_at desc, w.id desc
   limit least(greatest(coalesce(search_workflows.max_rows, 50), 1), 500);
$$;
comment on function app_public.search_workflows(uuid, text, text, text, timestamptz, uuid, integer) is 'A team''s workflows, most recently updated first, filtered by status, tag (GIN index) and a case-insensitive name fragment (trigram index); keyset-paginate with after_updated_at/after_id of the last row. Reads only the workflows table, never graphs or snapshots.';
grant execute on function app_public.search_workflows(uuid, text, text, text, timestamptz, uuid, integer) to linkflow_visitor;

------------------------------------------------------------------------------------------------------------
-- Version retention
------------------------------------------------------------------------------------------------------------
create function app_private.apply_workflow_version_retention(keep_last integer default null, only_workflow_id uuid default null)
  returns table (workflow_id uuid, deleted integer, skipped boolean)
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  k integer := coalesce(keep_last, (select s.retention_keep_last from app_private.workflow_settings s where s.id));
  wf record;
  n integer;
begin
  if k is null then
    return; -- the default policy: keep every version
  end if;
  if k < 1 then
    raise exception 'keep_last must be at least 1' using errcode = 'LFVAL', detail = 'field: keep_last';
  end if;
  for wf in
    select w.id, w.current_version from app_public.workflows w
     where (only_workflow_id is null or w.id = only_workflow_id)
       and exists (select 1 from app_public.workflow_versions v where v.workflow_id = w.id and v.version <= w.current_version - k)
     order by w.id
  loop
    begin
      delete from app_public.workflow_versions v
       where v.workflow_id = wf.id
         and v.version <= wf.current_version - k
         and not exists (select 1 from app_public.workflow_activations a where a.workflow_id = v.workflow_id and a.version = v.version)
         and not exists (select 1 from app_public.executions e where e.workflow_id = v.workflow_id and e.workflow_version = v.version);
      get diagnostics n = row_count;
      workflow_id := wf.id; deleted := n; skipped := false;
      if n > 0 then
        return next;
      end if;
    exception when foreign_key_violation then
      -- an execution pinned a version concurrently: leave this workflow for the next run
      workflow_id := wf.id; deleted := 0; skipped := true;
      return next;
    end;
  end loop;
end;
$$;
comment on function app_private.apply_workflow_version_retention(integer, uuid) is 'Applies the retention policy (keep_last, default workflow_settings.retention_keep_last; null keeps everything): deletes versions older than the last keep_last, except versions that were ever active and versions pinned by executions. Returns the workflows touched. Run by the workflow_version_retention task.';
