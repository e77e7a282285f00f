--! Previous: sha1:f3ecb44fb5c0d229f56dba81102c190b3cea6f7d
--! Hash: sha1:cff161d69523a72115b57c85dc3f5bd10fd715d9
--! Message: GraphQL relations of transitions and node runs to their team kept by @foreignKey smart tags

--! split: 500-executions.sql
-- The GraphQL relations team <-> transitions and team <-> node runs, kept without the foreign keys 000030 dropped:
-- a @foreignKey smart tag gives PostGraphile the same relation (ExecutionTransition.team, Team.executionTransitions,
-- ExecutionNodeRun.team, Team.executionNodeRuns) while the database checks the team through the execution.
comment on table app_public.execution_transitions is E'@foreignKey (team_id) references app_public.teams (id)\nThe state history of an execution: seq 1, 2, 3... forms a chain (each from_state equals the previous to_state). Partitioned with its execution (by the execution''s created_at) so both archive together. actor_id is an audit value, not a foreign key: it survives user purges. team_id is the execution''s team (copied by the writers from the locked execution row; no separate foreign key to teams).';
comment on table app_public.execution_node_runs is E'@foreignKey (team_id) references app_public.teams (id)\nOne run of one node within an execution (per attempt): status, timing, output (size-limited) and error. Partitioned with its execution. node_name identifies the node (node ids change when a workflow is saved); node_id is informative. team_id is the execution''s team (copied by the writers from the locked execution row; no separate foreign key to teams).';
