--! Previous: sha1:8dcde86c225a1b166181ae2fb83802473dc0a7b0
--! Hash: sha1:497d772f83e6e592b6c0c903b9e908cd44ddeb50
--! Message: Executions: a covering index of the fold rows for the series of one workflow (index-only scan)

--! split: 500-executions.sql
-- The series of one workflow (execution_metrics_series, workflow branch) reads each bucket's fold row (shard 0)
-- from this index alone: an index-only scan of narrow tuples instead of the wide heap rows (each carries two
-- 200-element arrays; 30 days by the hour was 721 rows over ~180 heap pages, now ~20 index pages).
drop index if exists app_public.execution_metric_rollups_series_idx;
create index execution_metric_rollups_series_idx on app_public.execution_metric_rollups (workflow_id, granularity, bucket)
  include (team_id, total, succeeded, failed, cancelled, timed_out, crashed, duration_count, duration_sum_ms, node_count,
           failed_node_count, duration_p50_bucket, duration_p95_bucket)
  where shard = 0;
comment on index app_public.execution_metric_rollups_series_idx is
  'Covers the series of one workflow: the fold rows (shard 0) with every counter and the stored percentile buckets, read by an index-only scan (team_id for the row-level security policy).';
