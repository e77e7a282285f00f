-- Down of migration 000039: the exact reverse, topic by topic, last topic first.

--! split: 500-executions.sql
drop index if exists app_public.execution_metric_rollups_series_idx;
