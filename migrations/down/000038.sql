-- Down of migration 000038: the exact reverse, topic by topic, last topic first.

--! split: 500-executions.sql
-- reverse of 500-executions.sql
drop trigger if exists _910_delete_metric_samples on app_public.workflows;
drop function if exists app_private.tg_workflows__delete_metric_samples();
drop trigger if exists _910_delete_metric_samples on app_public.teams;
drop function if exists app_private.tg_teams__delete_metric_samples();
comment on table app_public.execution_metric_samples is 'Raw time-series samples: one per finished execution (duration, node counts, outcome). Rolled up per workflow per minute/hour/day, then dropped. Independent of the executions lifecycle (no foreign key to executions).';
alter table app_public.execution_metric_samples
  add constraint execution_metric_samples_team_id_fkey foreign key (team_id) references app_public.teams(id) on delete cascade,
  add constraint execution_metric_samples_workflow_id_fkey foreign key (workflow_id) references app_public.workflows(id) on delete cascade;

--! split: 400-events.sql
-- reverse of 400-events.sql
alter table app_public.event_streams reset (fillfactor);
