-- Down of migration 000042: the exact reverse, topic by topic, last topic first.

--! split: 300-workflows.sql
-- reverse of 300-workflows.sql
drop function app_public.patch_workflow(uuid, integer, jsonb, text);
drop function app_private.workflow_patch(uuid, integer, jsonb, text);
drop function app_private.workflow_patch_graph_document(app_public.workflows, app_public.workflows, jsonb);
CREATE OR REPLACE FUNCTION app_private.workflow_save(workflow_id uuid, expected_version integer, definition jsonb, message text, restore_from integer DEFAULT NULL::integer)
 RETURNS app_public.workflows
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog'
 SET plan_cache_mode TO 'force_generic_plan'
AS $function$
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
$function$

;
drop function app_private.workflow_write_version(app_public.workflows, jsonb, text);
drop function app_private.workflow_lock_for_save(uuid, integer, text);
drop function app_private.workflow_apply_patch(jsonb, jsonb, app_public.workflows);
drop function app_private.workflow_document_node(uuid, jsonb);
