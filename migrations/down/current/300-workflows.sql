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
