--! Previous: sha1:5b8c83703eee62a03db92b135a826f296c402d3d
--! Hash: sha1:bdeeaf2c424b68343c29f993721bdb1c14cc3516
--! Message: Workflows: graph rows keyed to workflows only, ids zipped inside the insert, generic plans, node fillfactor 50

--! split: 300-workflows.sql
-- Workflows at editor speed: the graph rows (nodes, connections, triggers) are checked against their workflow,
-- not against the team again. PostgreSQL runs a foreign-key check per inserted row and key: a 200-node create
-- ran about 1,200 of them, 403 to teams. A graph row's team is its workflow's (the writers copy it from the
-- workflows row), and a team's deletion reaches every graph row through workflows (on delete cascade) and the
-- graph rows' own keys, so the keys to teams (and the connections' key to workflows, which its two keys to the
-- workflow's nodes already imply) only cost checks. GraphQL keeps the relations through @foreignKey smart tags.
alter table app_public.workflow_nodes drop constraint if exists workflow_nodes_team_id_fkey;
alter table app_public.workflow_triggers drop constraint if exists workflow_triggers_team_id_fkey;
alter table app_public.workflow_connections drop constraint if exists workflow_connections_team_id_fkey;
alter table app_public.workflow_connections drop constraint if exists workflow_connections_workflow_id_fkey;

comment on table app_public.workflow_nodes is E'@foreignKey (team_id) references app_public.teams (id)\nA node of a workflow''s current graph. Names are unique per workflow. Its team is its workflow''s (written by the workflow functions; removed with the workflow, which is removed with its team).';
comment on table app_public.workflow_triggers is E'@foreignKey (team_id) references app_public.teams (id)\nWhat starts a workflow: a webhook, a schedule (cron), an event or a manual run. Its team is its workflow''s (written by the workflow functions).';
comment on table app_public.workflow_connections is E'@name workflow_link\n@foreignKey (workflow_id) references app_public.workflows (id)\n@foreignKey (team_id) references app_public.teams (id)\nA connection (edge) from a node''s output to another node''s input, within one workflow. Exposed in GraphQL as WorkflowLink (WorkflowConnection and WorkflowEdge are the workflows connection and edge types). Its two keys to the workflow''s nodes (on delete cascade) tie it to the workflow; its team is its workflow''s.';

-- workflow_write_graph: new nodes and edges get their ids zipped with the rows (ROWS FROM) inside the insert that writes them,
-- not through a join, a jsonb rebuild of every new row and a second pass
CREATE OR REPLACE FUNCTION app_private.workflow_write_graph(workflow_id uuid, team_id uuid, snapshot jsonb, build_document boolean DEFAULT true, OUT changed boolean, OUT nodes json, OUT connections json, OUT triggers json) RETURNS record
    LANGUAGE plpgsql
    SET search_path TO 'pg_catalog'
    AS $$
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
  v_empty boolean;      -- no graph rows yet (a create): every row is new, nothing to classify
begin
  -- while it writes, the graph tables' statement triggers leave this workflow to it and its caller (which writes
  -- the workflows row, so the cache key is enqueued, and stores the new document)
  perform pg_catalog.set_config('linkflow.workflow_writer', workflow_id::text, true);

  -- 1. nodes against the live rows, by name (a graph without rows: all of them are new; edges need nodes)
  v_empty := not exists (select 1 from app_public.workflow_nodes n where n.workflow_id = workflow_write_graph.workflow_id)
         and not exists (select 1 from app_public.workflow_triggers t where t.workflow_id = workflow_write_graph.workflow_id);
  if v_empty then
    v_del := '{}'; v_ids := '{}'; v_ins := nullif(snapshot->'nodes', '[]'::jsonb);
  else
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
  end if;

  if v_ins is not null then
    -- new nodes get their ids here (zipped with the rows: ROWS FROM), so edges, triggers and the document can refer to them
    with ins as (
      insert into app_public.workflow_nodes (id, workflow_id, team_id, name, type, type_version, parameters, position_x, position_y, disabled)
      select x.id, workflow_write_graph.workflow_id, workflow_write_graph.team_id, x.v->>'name', x.v->>'type', (x.v->>'type_version')::integer,
             x.v->'parameters', (x.v->'position'->>0)::integer, (x.v->'position'->>1)::integer, (x.v->>'disabled')::boolean
        from rows from (pg_catalog.jsonb_array_elements(v_ins), app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(v_ins))) x(v, id)
      returning app_public.workflow_nodes.name, app_public.workflow_nodes.id)
    select v_ids || pg_catalog.jsonb_object_agg(ins.name, ins.id) into v_ids from ins;
  end if;
  if v_upd is not null then
    update app_public.workflow_nodes n
       set type = v->>'type', type_version = (v->>'type_version')::integer, parameters = v->'parameters',
           position_x = (v->'position'->>0)::integer, position_y = (v->'position'->>1)::integer, disabled = (v->>'disabled')::boolean
      from pg_catalog.jsonb_array_elements(v_upd) v
     where n.workflow_id = workflow_write_graph.workflow_id and n.id = (v->>'id')::uuid;
  end if;

  -- 2. connections (a set: unique edges) against the live rows, by their node ids and ports
  if v_empty then
    -- every edge is new: written straight from the snapshot, its ids zipped with the rows
    with n as materialized (
      select x.c, x.id, x.ord
        from rows from (pg_catalog.jsonb_array_elements(snapshot->'connections'),
                        app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(snapshot->'connections'))) with ordinality x(c, id, ord)),
    ins as (
      insert into app_public.workflow_connections (id, workflow_id, team_id, source_node_id, source_output, source_output_index,
                                                   target_node_id, target_input, target_input_index)
      select n.id, workflow_write_graph.workflow_id, workflow_write_graph.team_id, (v_ids->>(n.c->>'source'))::uuid, n.c->>'source_output',
             (n.c->>'source_output_index')::integer, (v_ids->>(n.c->>'target'))::uuid, n.c->>'target_input', (n.c->>'target_input_index')::integer
        from n)
    select pg_catalog.jsonb_agg(n.id order by n.ord) into v_conn_ids from n;
  else
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
      -- new edges get their ids zipped with the rows; the kept edges' ids come from the classification
      with n as materialized (
        select (x.v->>'ord')::bigint as ord, x.v, x.id
          from rows from (pg_catalog.jsonb_array_elements(v_conn_ins), app_private.uuid_generate_v7_series(pg_catalog.jsonb_array_length(v_conn_ins))) x(v, id)),
      ins as (
        insert into app_public.workflow_connections (id, workflow_id, team_id, source_node_id, source_output, source_output_index,
                                                     target_node_id, target_input, target_input_index)
        select n.id, workflow_write_graph.workflow_id, workflow_write_graph.team_id, (n.v->>'s')::uuid, n.v->>'so', (n.v->>'soi')::integer,
               (n.v->>'t')::uuid, n.v->>'ti', (n.v->>'tii')::integer
          from n)
      select pg_catalog.jsonb_agg(coalesce(nullif(e.id, 'null'::jsonb), pg_catalog.to_jsonb(n.id)) order by e.ord) into v_conn_ids
        from pg_catalog.jsonb_array_elements(v_conn_ids) with ordinality e(id, ord)
        left join n on n.ord = e.ord;
    end if;
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
  perform pg_catalog.set_config('linkflow.workflow_writer', '', true);
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

COMMENT ON FUNCTION app_private.workflow_write_graph(workflow_id uuid, team_id uuid, snapshot jsonb, build_document boolean, OUT changed boolean, OUT nodes json, OUT connections json, OUT triggers json) IS 'Makes the live graph tables (nodes, connections, triggers) of a workflow equal to a canonical snapshot by writing only the
difference: nodes match by name (unchanged nodes are not touched and keep their ids; a renamed node is a new node), connections
by their ends and ports, triggers by their content (equal triggers pair up). Each kind of change is one set-based statement, run
only when it has rows; an unchanged graph writes nothing. While it writes, the graph tables'' statement triggers skip this
workflow (setting linkflow.workflow_writer): the caller writes the workflows row (which enqueues the cache key) and stores the
document. changed: whether any row was written. When something changed or
build_document is true, nodes/connections/triggers are the GetWithNodes document''s parts (with ids), built from the snapshot.';

-- The writers' statements take large jsonb values as parameters: a custom plan (PostgreSQL's first five runs of each
-- statement in a session) plans them with the values inlined, for the same plan as the generic one. Generic plans
-- from the first call: measured ~15% less backend CPU for the second to sixth create of a session.
alter function app_private.workflow_create(uuid, jsonb, text) set plan_cache_mode = force_generic_plan;
alter function app_private.workflow_save(uuid, integer, jsonb, text, integer) set plan_cache_mode = force_generic_plan;
alter function app_private.workflow_normalize_definition(jsonb, app_public.workflows) set plan_cache_mode = force_generic_plan;
alter function app_private.workflow_write_graph(uuid, uuid, jsonb, boolean) set plan_cache_mode = force_generic_plan;
alter function app_private.workflow_store_graph_document(app_public.workflows, json, json, json) set plan_cache_mode = force_generic_plan;

-- workflow_connections_unique_edge (workflow_id, source_node_id, ...) already leads with the source key's columns: it is
-- that key's index, and the separate (workflow_id, source_node_id) index was one more index write per edge.
drop index if exists app_public.workflow_connections_source_idx;

-- A save updates the nodes it changes in place: none of the updated columns is indexed, so an update is a HOT update
-- (no index entries) when the node's page has room for the new version. Full pages made every node update write a
-- new entry in each of the table's four indexes: a 200-node save wrote ~1,200 WAL records (~195 KB). Half-full pages
-- keep room for one new version of every node on the page: ~320 records (~67 KB) and ~20% less backend CPU per
-- full save, for twice the pages of live nodes. (New pages only; existing pages keep their fill until rewritten.)
alter table app_public.workflow_nodes set (fillfactor = 50);
