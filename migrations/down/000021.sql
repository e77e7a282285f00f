-- Function bodies restored here come from the schema before migration 21: node scripts/restore-body.ts --before 21 --rewrite migrations/down/000021.sql
-- Down for migration 000021 (workflows at editor speed): the graph tables' cache triggers, the writers, the reads, the
-- graph document table, the diff writer and validation go back to migrations 000009/000010, newest first.
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
  referencing new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.workflow_nodes
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.workflow_nodes
  referencing old table as old_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_insert after insert on app_public.workflow_connections
  referencing new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.workflow_connections
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.workflow_connections
  referencing old table as old_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_insert after insert on app_public.workflow_triggers
  referencing new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_update after update on app_public.workflow_triggers
  referencing old table as old_rows new table as new_rows for each statement execute function app_private.tg__invalidate_cache();
create trigger _900_invalidate_cache_delete after delete on app_public.workflow_triggers
  referencing old table as old_rows for each statement execute function app_private.tg__invalidate_cache();
drop function if exists app_private.tg_workflow_graph__invalidate_cache();

CREATE OR REPLACE FUNCTION app_private.workflow_set_status(workflow_id uuid, to_status text) RETURNS app_public.workflows
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
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

CREATE OR REPLACE FUNCTION app_private.workflow_save(workflow_id uuid, expected_version integer, definition jsonb, message text, restore_from integer DEFAULT NULL::integer) RETURNS app_public.workflows
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
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

CREATE OR REPLACE FUNCTION app_private.workflow_create(team_id uuid, definition jsonb, message text DEFAULT 'Created'::text) RETURNS app_public.workflows
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
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

-- the graph document back to its three json columns (a derived read model: rebuilt below)
drop function if exists app_private.workflow_store_graph_document(app_public.workflows, json, json, json);
drop function if exists app_private.workflow_build_graph_document(uuid);
drop table if exists app_private.workflow_graph_documents;
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
CREATE OR REPLACE FUNCTION app_private.workflow_build_graph_document(workflow_id uuid) RETURNS app_private.workflow_graph_documents
    LANGUAGE sql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
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

CREATE OR REPLACE FUNCTION app_private.workflow_refresh_graph_document(workflow_id uuid) RETURNS void
    LANGUAGE sql
    SET search_path TO 'pg_catalog'
    AS $$
  insert into app_private.workflow_graph_documents as g (workflow_id, nodes, connections, triggers, built_at)
  select d.workflow_id, d.nodes, d.connections, d.triggers, d.built_at
    from app_private.workflow_build_graph_document(workflow_refresh_graph_document.workflow_id) d
  on conflict (workflow_id) do update
     set nodes = excluded.nodes, connections = excluded.connections, triggers = excluded.triggers, built_at = excluded.built_at;
$$;
comment on function app_private.workflow_refresh_graph_document(uuid) is 'Rebuilds and stores the graph document of a workflow (called by the workflow functions after they change its graph).';

-- workflow_graph() and the owner-level read as migration 000010 left them
CREATE OR REPLACE FUNCTION app_private.workflow_graph_unchecked(workflow_id uuid) RETURNS json
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $$
declare
  w app_public.workflows;
  d app_private.workflow_graph_documents;
begin
  select * into w from app_public.workflows x where x.id = workflow_graph_unchecked.workflow_id;
  if not found then
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
comment on function app_private.workflow_graph_unchecked(uuid) is 'GetWithNodes without the membership check (owner only): the shared cache loads graphs with it and authorizes each caller itself. Same document as app_public.workflow_graph().';

CREATE OR REPLACE FUNCTION app_public.workflow_graph(workflow_id uuid) RETURNS json
    LANGUAGE plpgsql STABLE SECURITY DEFINER
    SET search_path TO 'pg_catalog'
    AS $$
declare
  v_team uuid;
begin
  select x.team_id into v_team from app_public.workflows x where x.id = workflow_graph.workflow_id;
  if not found or not app_hidden.has_team_role(v_team, 'viewer') then
    return null;
  end if;
  return app_private.workflow_graph_unchecked(workflow_graph.workflow_id);
end;
$$;
comment on function app_public.workflow_graph(uuid) is 'GetWithNodes: the workflow with its nodes, connections (with node names) and triggers as one JSON document {workflow, nodes, connections, triggers}, in one call. Null when the workflow does not exist or the caller is not a member of its team (checked explicitly: SECURITY DEFINER, so the graph part can come from the precomputed document). Its output is accepted back by save_workflow.';
drop function if exists app_private.workflow_document_head(app_public.workflows);
select app_private.workflow_refresh_graph_document(w.id) from app_public.workflows w;

drop function if exists app_private.workflow_write_graph(uuid, uuid, jsonb, boolean);
CREATE OR REPLACE FUNCTION app_private.workflow_write_graph(workflow_id uuid, team_id uuid, snapshot jsonb) RETURNS void
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
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

drop function if exists app_private.uuid_generate_v7_series(integer);

alter table app_public.workflow_nodes drop constraint if exists workflow_nodes_type_shape;
alter table app_public.workflow_nodes add constraint workflow_nodes_type_shape check (type ~ '^[A-Za-z0-9_.:@/-]{1,200}$');

CREATE OR REPLACE FUNCTION app_private.workflow_normalize_definition(definition jsonb, fallback app_public.workflows DEFAULT NULL::app_public.workflows) RETURNS jsonb
    LANGUAGE plpgsql STABLE
    SET search_path TO 'pg_catalog'
    AS $_$
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
$_$;
comment on function app_private.workflow_normalize_definition(jsonb, app_public.workflows) is
'Validates a workflow definition and returns its canonical snapshot {name, description, settings, tags, nodes, connections, triggers}
(nodes sorted by name with defaults filled in; connections and triggers sorted; connections and triggers refer to nodes by name).
Raises LFVAL (DETAIL field: ...) for invalid input and LFLIM when the definition is over the size or node-count limit.
Attributes absent from the definition come from fallback (the current workflow on save).';
