--! Previous: sha1:b7610b315ff42d1e82f5fd594c104d37052ee838
--! Hash: sha1:8dcde86c225a1b166181ae2fb83802473dc0a7b0
--! Message: Executions: metric samples without per-row key checks (delete triggers instead); stream bumps heap-only

--! split: 400-events.sql
-- Stream version bumps as heap-only updates. Streams are created densely (one per execution, in bulk) and then
-- bumped once per event; with full pages a bump could not stay on its page, so it wrote an entry into each of
-- the table's three indexes (17% of the bumps were heap-only on a dev database). Room on every new page lets a
-- bump stay heap-only (no index writes). Pages written before this keep their layout until rewritten.
alter table app_public.event_streams set (fillfactor = 70);

--! split: 500-executions.sql
-- Metric samples without per-row key checks. Every finishing move inserted a sample whose two foreign keys
-- (teams, workflows) each ran a per-row check that share-locks the team's and the workflow's row: ~21 us per
-- sample (5,000 samples: 231 ms with the keys, 126 ms without, measured on a dev database) and, with many
-- writers finishing executions of one workflow at once, multixacts on those two hot rows. Samples are a raw,
-- append-only log of a few days (dropped by day once rolled up; the fold and the rollup repair already skip
-- samples of workflows that no longer exist), so the keys are replaced by statement triggers on the rare
-- deletes: deleting a team or a workflow still deletes its samples in the same transaction.
alter table app_public.execution_metric_samples
  drop constraint if exists execution_metric_samples_team_id_fkey,
  drop constraint if exists execution_metric_samples_workflow_id_fkey;

-- GraphQL keeps the sample's team and workflow relations (smart tags, no constraint)
comment on table app_public.execution_metric_samples is E'@foreignKey (team_id) references app_public.teams (id)\n@foreignKey (workflow_id) references app_public.workflows (id)\nRaw time-series samples: one per finished execution (duration, node counts, outcome). Rolled up per workflow per minute/hour/day, then dropped. Independent of the executions lifecycle (no foreign key to executions). No foreign keys to teams and workflows either (a per-row check on every finishing move): deleting a team or a workflow deletes its samples (statement triggers _910_delete_metric_samples).';

create or replace function app_private.tg_teams__delete_metric_samples() returns trigger
  language plpgsql
  set search_path to 'pg_catalog'
as $$
begin
  delete from app_public.execution_metric_samples s using old_rows o where s.team_id = o.id;
  return null;
end;
$$;

comment on function app_private.tg_teams__delete_metric_samples() is
  'Statement trigger: deletes the metric samples of deleted teams (what a foreign key with on delete cascade did, without its per-row check on every sample).';

drop trigger if exists _910_delete_metric_samples on app_public.teams;
create trigger _910_delete_metric_samples after delete on app_public.teams
  referencing old table as old_rows for each statement execute function app_private.tg_teams__delete_metric_samples();

create or replace function app_private.tg_workflows__delete_metric_samples() returns trigger
  language plpgsql
  set search_path to 'pg_catalog'
as $$
begin
  delete from app_public.execution_metric_samples s using old_rows o where s.workflow_id = o.id;
  return null;
end;
$$;

comment on function app_private.tg_workflows__delete_metric_samples() is
  'Statement trigger: deletes the metric samples of deleted workflows (what a foreign key with on delete cascade did, without its per-row check on every sample).';

drop trigger if exists _910_delete_metric_samples on app_public.workflows;
create trigger _910_delete_metric_samples after delete on app_public.workflows
  referencing old table as old_rows for each statement execute function app_private.tg_workflows__delete_metric_samples();
