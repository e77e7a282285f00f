--! Previous: sha1:251bf750c8aae48ebd8357cb4b436ec9f86f99e5
--! Hash: sha1:6baadd0a33fce5f4676dc734de860ee9002f4f90
--! Message: Workflows: patch saves

--! split: 300-workflows.sql
------------------------------------------------------------------------------------------------------------
-- Workflows: patch saves. An editor's autosave of a small edit (one node's parameters, a moved node, a new
-- connection) sends only the edit; the next version is the current snapshot with the patch applied. Only the
-- patched parts are validated (by the same rules as a definition: workflow_normalize_definition), only the
-- changed graph rows are written, and when no node, connection or trigger is added or removed the stored
-- GetWithNodes document is patched in place instead of rebuilt.

-- The document form of one node, as the graph writers render it inside the GetWithNodes document.
create function app_private.workflow_document_node(id uuid, node jsonb)
  returns text
  language sql immutable parallel safe
  set search_path = pg_catalog
as $$
  select pg_catalog.json_build_object('id', id, 'name', node->'name', 'type', node->'type', 'type_version', node->'type_version',
    'parameters', node->'parameters', 'position', node->'position', 'disabled', node->'disabled')::text;
$$;
comment on function app_private.workflow_document_node(uuid, jsonb) is
  'The text of one node (id plus the canonical snapshot node) inside the GetWithNodes document, exactly as the graph writers build it.';

-- Applies a patch to a canonical snapshot: the next snapshot (canonical), the patch's nodes in canonical form,
-- and whether the graph kept its structure (no node, connection or trigger added or removed: only existing
-- nodes' fields changed).
create function app_private.workflow_apply_patch(snapshot jsonb, patch jsonb, w app_public.workflows,
  out next_snapshot jsonb, out upserted jsonb, out same_structure boolean)
  language plpgsql stable
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  v_key text;
  v_upsert jsonb := coalesce(patch->'nodes', '[]'::jsonb);
  v_remove jsonb := coalesce(patch->'remove_nodes', '[]'::jsonb);
  v_add jsonb := coalesce(patch->'add_connections', '[]'::jsonb);
  v_drop jsonb := coalesce(patch->'remove_connections', '[]'::jsonb);
  v_removed jsonb;      -- removed names (name -> true)
  v_new_names boolean;  -- the patch adds nodes
  v_mini jsonb;         -- the patched parts as a definition, with stub nodes for the names they refer to
  v_norm jsonb;
  v_nodes jsonb;
  v_conns jsonb;
  v_triggers jsonb;
  v_bad text;
  v_count integer;
  v_limit integer;
  v_size bigint;
  v_max_size bigint;
  v_ord integer;
  v_node jsonb;
begin
  -- 1. the patch's shape
  if patch is null or pg_catalog.jsonb_typeof(patch) <> 'object' then
    raise exception 'the patch must be a JSON object' using errcode = 'LFVAL', detail = 'field: patch';
  end if;
  select x.key into v_key from pg_catalog.jsonb_object_keys(patch) x(key)
   where x.key not in ('name', 'description', 'settings', 'tags', 'nodes', 'remove_nodes', 'add_connections', 'remove_connections', 'triggers')
   limit 1;
  if v_key is not null then
    raise exception 'unknown patch field %', pg_catalog.quote_literal(pg_catalog.left(v_key, 80)) using errcode = 'LFVAL', detail = 'field: patch';
  end if;
  if pg_catalog.jsonb_typeof(v_upsert) <> 'array' then
    raise exception 'nodes must be an array' using errcode = 'LFVAL', detail = 'field: nodes';
  end if;
  if pg_catalog.jsonb_typeof(v_remove) <> 'array'
     or exists (select 1 from pg_catalog.jsonb_array_elements(v_remove) r where pg_catalog.jsonb_typeof(r) <> 'string') then
    raise exception 'remove_nodes must be an array of node names' using errcode = 'LFVAL', detail = 'field: remove_nodes';
  end if;
  if pg_catalog.jsonb_typeof(v_add) <> 'array' then
    raise exception 'add_connections must be an array' using errcode = 'LFVAL', detail = 'field: add_connections';
  end if;
  if pg_catalog.jsonb_typeof(v_drop) <> 'array' then
    raise exception 'remove_connections must be an array' using errcode = 'LFVAL', detail = 'field: remove_connections';
  end if;
  if patch ? 'triggers' and pg_catalog.jsonb_typeof(patch->'triggers') <> 'array' then
    raise exception 'triggers must be an array' using errcode = 'LFVAL', detail = 'field: triggers';
  end if;

  -- 2. node names: removed ones must exist and not be upserted (names are looked up by containment in the
  -- snapshot's node list: no per-save index of 200 nodes is built)
  select coalesce(pg_catalog.jsonb_object_agg(r #>> '{}', true), '{}'::jsonb) into v_removed from pg_catalog.jsonb_array_elements(v_remove) r;
  select r.key into v_bad from pg_catalog.jsonb_object_keys(v_removed) r(key)
   where not snapshot->'nodes' @> pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('name', r.key)) order by r.key limit 1;
  if v_bad is not null then
    raise exception 'node % is not a node of this workflow', pg_catalog.quote_literal(v_bad) using errcode = 'LFVAL', detail = 'field: remove_nodes';
  end if;
  if exists (select 1 from pg_catalog.jsonb_array_elements(v_upsert) u where v_removed ? (u->>'name')) then
    raise exception 'a node cannot be both upserted and removed' using errcode = 'LFVAL', detail = 'field: remove_nodes';
  end if;
  v_new_names := exists (select 1 from pg_catalog.jsonb_array_elements(v_upsert) u
                          where not snapshot->'nodes' @> pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('name', u->'name')));

  -- 3. validate and canonicalise the patched parts with the definition's own rules: the upserted nodes first (so
  -- "node N" in an error is the patch's N-th node), then stubs for the other nodes that the connections and the
  -- new triggers name (a name that is not in the next graph gets no stub, and fails as in a save)
  v_mini := pg_catalog.jsonb_build_object('nodes', v_upsert || coalesce((
      select pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', r.name, 'type', 'stub'))
        from (select c->>'source' as name from pg_catalog.jsonb_array_elements(v_add || v_drop) c
              union select c->>'target' from pg_catalog.jsonb_array_elements(v_add || v_drop) c
              union select t->>'node' from pg_catalog.jsonb_array_elements(coalesce(patch->'triggers', '[]'::jsonb)) t) r
       where not v_removed ? r.name
         and snapshot->'nodes' @> pg_catalog.jsonb_build_array(pg_catalog.jsonb_build_object('name', r.name))
         and not exists (select 1 from pg_catalog.jsonb_array_elements(v_upsert) u where u->>'name' = r.name)), '[]'::jsonb),
    'connections', v_add || v_drop,
    'triggers', coalesce(patch->'triggers', '[]'::jsonb));
  for v_key in select x.key from pg_catalog.jsonb_object_keys(patch) x(key) where x.key in ('name', 'description', 'settings', 'tags') loop
    v_mini := v_mini || pg_catalog.jsonb_build_object(v_key, patch->v_key);
  end loop;
  v_norm := app_private.workflow_normalize_definition(v_mini, w);
  select coalesce(pg_catalog.jsonb_agg(n), '[]'::jsonb) into upserted
    from pg_catalog.jsonb_array_elements(v_norm->'nodes') n
   where exists (select 1 from pg_catalog.jsonb_array_elements(v_upsert) u where u->>'name' = n->>'name'); -- not the stubs

  -- 4. nodes: changed in place (a few existing nodes), else the kept ones and the upserted ones sorted by name
  if v_removed = '{}'::jsonb and not v_new_names and pg_catalog.jsonb_array_length(upserted) <= 8 then
    v_nodes := snapshot->'nodes';
    for v_node in select x from pg_catalog.jsonb_array_elements(upserted) x loop
      select o.ord - 1 into v_ord from pg_catalog.jsonb_array_elements(v_nodes) with ordinality o(n, ord) where o.n->>'name' = v_node->>'name';
      v_nodes := pg_catalog.jsonb_set(v_nodes, array[v_ord::text], v_node);
    end loop;
  else
    select coalesce(pg_catalog.jsonb_agg(x.n order by x.n->>'name' collate "C"), '[]'::jsonb) into v_nodes
      from (select o as n from pg_catalog.jsonb_array_elements(snapshot->'nodes') o
             where not v_removed ? (o->>'name') and not exists (select 1 from pg_catalog.jsonb_array_elements(upserted) u where u->>'name' = o->>'name')
            union all
            select u from pg_catalog.jsonb_array_elements(upserted) u) x;
  end if;
  v_count := pg_catalog.jsonb_array_length(v_nodes);
  select st.max_nodes, st.max_definition_bytes into v_limit, v_max_size from app_private.workflow_settings st where st.id;
  v_limit := coalesce(v_limit, 1000);
  v_max_size := coalesce(v_max_size, 5242880);
  if v_count > v_limit then
    raise exception 'the workflow would have % nodes, over the limit of %', v_count, v_limit
      using errcode = 'LFLIM', detail = pg_catalog.format('field: nodes, count=%s, limit=%s', v_count, v_limit);
  end if;

  -- 5. connections: the current ones minus the removed ones and those of removed nodes, plus the added ones
  if v_add = '[]'::jsonb and v_drop = '[]'::jsonb and v_removed = '{}'::jsonb then
    v_conns := snapshot->'connections';
  else
    with patched as (
      -- the canonical connections of the patch, each marked as to be removed or added (by its raw tuple)
      select d, exists (select 1 from pg_catalog.jsonb_array_elements(v_drop) r
                         where r->>'source' = d->>'source' and r->>'target' = d->>'target'
                           and coalesce(r->>'source_output', 'main') = d->>'source_output' and coalesce(r->>'target_input', 'main') = d->>'target_input'
                           and coalesce(r->>'source_output_index', '0') = d->>'source_output_index'
                           and coalesce(r->>'target_input_index', '0') = d->>'target_input_index') as removed
        from pg_catalog.jsonb_array_elements(v_norm->'connections') d)
    select pg_catalog.format('%s -> %s', p.d->>'source', p.d->>'target') into v_bad from patched p
     where p.removed and not snapshot->'connections' @> pg_catalog.jsonb_build_array(p.d) limit 1;
    if v_bad is not null then
      raise exception 'connection % is not a connection of this workflow', v_bad using errcode = 'LFVAL', detail = 'field: remove_connections';
    end if;
    with patched as (
      select d, exists (select 1 from pg_catalog.jsonb_array_elements(v_drop) r
                         where r->>'source' = d->>'source' and r->>'target' = d->>'target'
                           and coalesce(r->>'source_output', 'main') = d->>'source_output' and coalesce(r->>'target_input', 'main') = d->>'target_input'
                           and coalesce(r->>'source_output_index', '0') = d->>'source_output_index'
                           and coalesce(r->>'target_input_index', '0') = d->>'target_input_index') as removed
        from pg_catalog.jsonb_array_elements(v_norm->'connections') d),
    next as (
      select c from pg_catalog.jsonb_array_elements(snapshot->'connections') c
       where not v_removed ? (c->>'source') and not v_removed ? (c->>'target')
         and not exists (select 1 from patched p where p.removed and p.d = c)
      union all
      select p.d from patched p where not p.removed)
    select case when exists (select 1 from next group by c having count(*) > 1) then null else
             coalesce((select pg_catalog.jsonb_agg(c order by c->>'source' collate "C", c->>'source_output' collate "C", (c->>'source_output_index')::integer,
                                                   c->>'target' collate "C", c->>'target_input' collate "C", (c->>'target_input_index')::integer) from next), '[]'::jsonb) end
      into v_conns;
    if v_conns is null then
      raise exception 'duplicate connection' using errcode = 'LFVAL', detail = 'field: connections';
    end if;
  end if;

  -- 6. triggers: replaced when the patch has them; kept ones must not name a removed node
  if patch ? 'triggers' then
    v_triggers := v_norm->'triggers';
  else
    v_triggers := snapshot->'triggers';
    if exists (select 1 from pg_catalog.jsonb_array_elements(v_triggers) t where v_removed ? (t->>'node')) then
      raise exception 'a trigger''s node is removed' using errcode = 'LFVAL', detail = 'field: triggers.node';
    end if;
  end if;

  next_snapshot := pg_catalog.jsonb_build_object(
    'name', v_norm->'name', 'description', v_norm->'description', 'settings', v_norm->'settings', 'tags', v_norm->'tags',
    'nodes', v_nodes, 'connections', v_conns, 'triggers', v_triggers);
  v_size := pg_catalog.octet_length(next_snapshot::text);
  if v_size > v_max_size then
    raise exception 'the patched definition is % bytes, over the limit of % bytes', v_size, v_max_size
      using errcode = 'LFLIM', detail = pg_catalog.format('field: definition, size=%s, limit=%s', v_size, v_max_size);
  end if;
  same_structure := v_removed = '{}'::jsonb and not v_new_names and v_conns = snapshot->'connections' and v_triggers = snapshot->'triggers';
end;
$$;
comment on function app_private.workflow_apply_patch(jsonb, jsonb, app_public.workflows) is
  'A patch applied to a canonical snapshot: the next canonical snapshot, the patch''s nodes in canonical form (upserted), and whether only existing nodes'' fields changed (same_structure). Validates only the patched parts, with workflow_normalize_definition''s rules (same LFVAL fields); LFLIM on the next graph''s node count and size.';

-- The checks every save makes before it writes: the caller may edit, the workflow is not archived, the caller
-- saw the current version, the message fits. Returns the locked workflow row.
create function app_private.workflow_lock_for_save(workflow_id uuid, expected_version integer, message text)
  returns app_public.workflows
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  w app_public.workflows := app_private.workflow_lock(workflow_id, 'editor');
begin
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
  return w;
end;
$$;
comment on function app_private.workflow_lock_for_save(uuid, integer, text) is
  'Locks the workflow for a save (editor role; LFNTF/LFDNY/LFARC/LFVER/LFVAL as documented for save_workflow) and returns the row.';

-- The workflows row and the version of a save: the attributes from the snapshot, the next version number, the
-- immutable version row, and the activation record of an active workflow.
create function app_private.workflow_write_version(w app_public.workflows, snapshot jsonb, message text)
  returns app_public.workflows
  language plpgsql volatile
  set search_path = pg_catalog
as $$
begin
  update app_public.workflows x
     set name = snapshot->>'name', description = snapshot->>'description', settings = snapshot->'settings',
         tags = array(select pg_catalog.jsonb_array_elements_text(snapshot->'tags')), current_version = x.current_version + 1
   where x.id = w.id
  returning * into w;
  insert into app_public.workflow_versions (workflow_id, team_id, version, data, author_id, message)
  values (w.id, w.team_id, w.current_version, snapshot, app_public.current_user_id(), message);
  if w.status = 'active' then
    insert into app_public.workflow_activations (workflow_id, team_id, version, activated_by)
    values (w.id, w.team_id, w.current_version, app_public.current_user_id());
  end if;
  return w;
end;
$$;
comment on function app_private.workflow_write_version(app_public.workflows, jsonb, text) is
  'Writes a save''s next version: the workflows row (attributes, current_version + 1), the version row (snapshot, author, message) and, for an active workflow, its activation record. Returns the updated row.';

create or replace function app_private.workflow_save(workflow_id uuid, expected_version integer, definition jsonb, message text, restore_from integer default null)
  returns app_public.workflows
  language plpgsql
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  w app_public.workflows := app_private.workflow_lock_for_save(workflow_id, expected_version, message);
  snap jsonb;
  data jsonb;
  g record;
begin
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
  w := app_private.workflow_write_version(w, snap, coalesce(message, case when restore_from is not null then pg_catalog.format('Restored version %s', restore_from) else '' end));
  data := app_private.workflow_event_data(w);
  if restore_from is not null then
    data := data || pg_catalog.jsonb_build_object('restored_from', restore_from);
  end if;
  perform app_private.workflow_append_event(w, 'WorkflowSaved', data);
  perform app_private.workflow_store_graph_document(w, g.nodes, g.connections, g.triggers);
  return w;
end;
$$;

-- Patches the stored GetWithNodes document in place for a save that changed only existing nodes' fields: each
-- changed node's text is replaced (a node's text starts with its unique id) and the head is rewritten. The text
-- is handled as bytes (offsets without counting characters). Falls back to a rebuild from the rows when the
-- stored document is not the one the previous row state describes, or a node's text is not in it.
create function app_private.workflow_patch_graph_document(old_w app_public.workflows, w app_public.workflows, replacements jsonb)
  returns void
  language plpgsql volatile
  set search_path = pg_catalog
as $$
declare
  v_doc bytea;
  v_old_prefix bytea := pg_catalog.convert_to('{"workflow" : ' || app_private.workflow_document_head(old_w)::text, 'UTF8');
  v_head text := app_private.workflow_document_head(w)::text;
  v_old bytea;
  v_pos integer;
  r record;
begin
  select pg_catalog.convert_to(d.document::text, 'UTF8') into v_doc
    from app_private.workflow_graph_documents d where d.workflow_id = w.id and d.workflow_updated_at = old_w.updated_at;
  if v_doc is not null and substring(v_doc from 1 for pg_catalog.length(v_old_prefix)) <> v_old_prefix then
    v_doc := null;
  end if;
  for r in select x->>'from' as old_text, x->>'to' as new_text from pg_catalog.jsonb_array_elements(replacements) x loop
    exit when v_doc is null;
    v_old := pg_catalog.convert_to(r.old_text, 'UTF8');
    v_pos := position(v_old in v_doc);
    v_doc := case when v_pos > 0 then overlay(v_doc placing pg_catalog.convert_to(r.new_text, 'UTF8') from v_pos for pg_catalog.length(v_old)) end;
  end loop;
  if v_doc is null then
    perform app_private.workflow_refresh_graph_document(w.id);
    return;
  end if;
  update app_private.workflow_graph_documents g
     set document = pg_catalog.convert_from(pg_catalog.convert_to('{"workflow" : ' || v_head, 'UTF8')
                      || substring(v_doc from pg_catalog.length(v_old_prefix) + 1), 'UTF8')::json,
         head_length = pg_catalog.char_length(v_head), workflow_updated_at = w.updated_at, built_at = pg_catalog.now()
   where g.workflow_id = w.id;
end;
$$;
comment on function app_private.workflow_patch_graph_document(app_public.workflows, app_public.workflows, jsonb) is
  'Replaces changed nodes'' texts ([{from, to}], workflow_document_node) and the head in the stored GetWithNodes document of old_w, for w; rebuilds it from the rows when the stored document or a text is not the expected one.';

create function app_private.workflow_patch(workflow_id uuid, expected_version integer, patch jsonb, message text)
  returns app_public.workflows
  language plpgsql volatile
  set search_path = pg_catalog
  set plan_cache_mode = force_generic_plan
as $$
declare
  w app_public.workflows := app_private.workflow_lock_for_save(workflow_id, expected_version, message);
  v_new app_public.workflows;
  snap jsonb;
  p record;
  g record;
  v_replacements jsonb;
begin
  -- the live graph equals the current version's snapshot
  select v.data into snap from app_public.workflow_versions v where v.workflow_id = w.id and v.version = w.current_version;
  p := app_private.workflow_apply_patch(snap, patch, w);
  if p.same_structure then
    -- only existing nodes' fields changed: those rows are updated, the document is patched in place
    perform pg_catalog.set_config('linkflow.workflow_writer', w.id::text, true);
    with changed as (
      select o.n as old_node, x.n as new_node
        from pg_catalog.jsonb_array_elements(p.upserted) x(n)
        join pg_catalog.jsonb_array_elements(snap->'nodes') o(n) on o.n->>'name' = x.n->>'name'
       where o.n <> x.n),
    written as (
      update app_public.workflow_nodes n
         set type = c.new_node->>'type', type_version = (c.new_node->>'type_version')::integer, parameters = c.new_node->'parameters',
             position_x = (c.new_node->'position'->>0)::integer, position_y = (c.new_node->'position'->>1)::integer,
             disabled = (c.new_node->>'disabled')::boolean
        from changed c
       where n.workflow_id = w.id and n.name = c.new_node->>'name'
      returning n.id, c.old_node, c.new_node)
    select coalesce(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'from', app_private.workflow_document_node(x.id, x.old_node), 'to', app_private.workflow_document_node(x.id, x.new_node))), '[]'::jsonb)
      into v_replacements from written x;
    perform pg_catalog.set_config('linkflow.workflow_writer', '', true);
  else
    select * into g from app_private.workflow_write_graph(w.id, w.team_id, p.next_snapshot, true);
  end if;
  v_new := app_private.workflow_write_version(w, p.next_snapshot, coalesce(message, ''));
  perform app_private.workflow_append_event(v_new, 'WorkflowSaved', app_private.workflow_event_data(v_new));
  if p.same_structure then
    perform app_private.workflow_patch_graph_document(w, v_new, v_replacements);
  else
    perform app_private.workflow_store_graph_document(v_new, g.nodes, g.connections, g.triggers);
  end if;
  return v_new;
end;
$$;
comment on function app_private.workflow_patch(uuid, integer, jsonb, text) is
  'patch_workflow''s body: the next version is the current snapshot with the patch applied (workflow_apply_patch).';

create function app_public.patch_workflow(workflow_id uuid, expected_version integer, patch jsonb, message text default null)
  returns app_public.workflows
  language sql volatile security definer
  set search_path = pg_catalog
as $$
  select app_private.workflow_patch(workflow_id, expected_version, patch, message);
$$;
comment on function app_public.patch_workflow(uuid, integer, jsonb, text) is E'@resultFieldName workflow
Saves a small edit without sending the whole definition: the next immutable version is the current snapshot with the patch applied
(WorkflowSaved, as for save_workflow). Patch fields: name, description, settings, tags (replaced when given); nodes (upserted by name,
each a full node in the definition format); remove_nodes (names; their connections go with them); add_connections and remove_connections
(connections in the definition format); triggers (replaces the list). Only the patched parts are validated, by the rules of a definition
and with its error fields; the result must be a valid graph (LFVAL triggers.node when a kept trigger names a removed node; LFLIM on node
count and size). Same checks as save_workflow: editor role, LFVER with current_version=N for a stale expected_version, LFARC.';
grant execute on function app_public.patch_workflow(uuid, integer, jsonb, text) to linkflow_visitor;
