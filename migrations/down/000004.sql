-- Down for the backup and recovery migration : drops exactly what migration 000004 created.
drop function app_private.rebase_event_transaction_ids(regclass[]);
drop function app_private.table_checksums(text[]);
drop view app_private.backup_metrics;
drop table app_private.event_xid_rebases;
drop table app_private.restore_tests;
drop table app_private.backup_table_stats;
drop table app_private.backups;
