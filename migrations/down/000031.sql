-- Down of migration 000031: the exact reverse, topic by topic, last topic first.

--! split: 500-executions.sql
-- reverse of migrations/current/500-executions.sql
comment on table app_public.execution_transitions is 'The state history of an execution: seq 1, 2, 3... forms a chain (each from_state equals the previous to_state). Partitioned with its execution (by the execution''s created_at) so both archive together. actor_id is an audit value, not a foreign key: it survives user purges.';
comment on table app_public.execution_node_runs is 'One run of one node within an execution (per attempt): status, timing, output (size-limited) and error. Partitioned with its execution. node_name identifies the node (node ids change when a workflow is saved); node_id is informative.';
