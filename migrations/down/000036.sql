-- Down of migration 000036: the exact reverse, topic by topic, last topic first.

--! split: 300-workflows.sql
alter table app_public.workflow_nodes reset (fillfactor);
create index if not exists workflow_connections_source_idx on app_public.workflow_connections using btree (workflow_id, source_node_id);
alter function app_private.workflow_store_graph_document(app_public.workflows, json, json, json) reset plan_cache_mode;
alter function app_private.workflow_write_graph(uuid, uuid, jsonb, boolean) reset plan_cache_mode;
alter function app_private.workflow_normalize_definition(jsonb, app_public.workflows) reset plan_cache_mode;
alter function app_private.workflow_save(uuid, integer, jsonb, text, integer) reset plan_cache_mode;
alter function app_private.workflow_create(uuid, jsonb, text) reset plan_cache_mode;

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
begin
  -- while it writes, the graph tables' statement triggers leave this workflow to it and its caller (which writes
  -- the workflows row, so the cache key is enqueued, and stores the new document)
  perform pg_catalog.set_config('linkflow.workflow_writer', workflow_id::text, true);

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
comment on table app_public.workflow_connections is E'@name workflow_link\nA connection (edge) from a node''s output to another node''s input, within one workflow. Exposed in GraphQL as WorkflowLink (WorkflowConnection and WorkflowEdge are the workflows connection and edge types).';
comment on table app_public.workflow_triggers is 'What starts a workflow: a webhook, a schedule (cron), an event or a manual run.';
comment on table app_public.workflow_nodes is 'A node of a workflow''s current graph. Names are unique per workflow.';

alter table app_public.workflow_connections drop constraint if exists workflow_connections_workflow_id_fkey;
alter table app_public.workflow_connections add constraint workflow_connections_workflow_id_fkey foreign key (workflow_id) references app_public.workflows(id) on delete cascade;
alter table app_public.workflow_connections drop constraint if exists workflow_connections_team_id_fkey;
alter table app_public.workflow_connections add constraint workflow_connections_team_id_fkey foreign key (team_id) references app_public.teams(id) on delete cascade;
alter table app_public.workflow_triggers drop constraint if exists workflow_triggers_team_id_fkey;
alter table app_public.workflow_triggers add constraint workflow_triggers_team_id_fkey foreign key (team_id) references app_public.teams(id) on delete cascade;
alter table app_public.workflow_nodes drop constraint if exists workflow_nodes_team_id_fkey;
alter table app_public.workflow_nodes add constraint workflow_nodes_team_id_fkey foreign key (team_id) references app_public.teams(id) on delete cascade;
