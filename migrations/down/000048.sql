-- Down of migration 000048: the exact reverse, topic by topic, last topic first.

--! split: 500-executions.sql
drop function if exists app_private.find_executions(uuid[]);
