drop view app_private.top_statements;
drop function app_private.pg_stat_statements_top(integer, text);
