# Generates deploy/grafana/database.json: python3 deploy/grafana/generate-database.py deploy/grafana/database.json
# (edit here, regenerate, commit both; test/monitoring/metrics-endpoint.test.ts checks every metric exists).
import json, sys
DS = {"type": "prometheus", "uid": "${datasource}"}
panels = []
pid = [0]
y = [0]
x = [0]
def nid():
    pid[0] += 1
    return pid[0]
def newline(h=8):
    if x[0] != 0:
        x[0] = 0
        y[0] += h
def row(title):
    newline()
    panels.append({"type": "row", "title": title, "id": nid(), "collapsed": False, "gridPos": {"h": 1, "w": 24, "x": 0, "y": y[0]}, "panels": []})
    y[0] += 1
def place(w, h):
    if x[0] + w > 24:
        x[0] = 0
        y[0] += h
    g = {"h": h, "w": w, "x": x[0], "y": y[0]}
    x[0] += w
    return g
def ts(title, targets, unit="short", w=12, h=8, desc="", stack=False):
    panels.append({"type": "timeseries", "title": title, "id": nid(), "datasource": DS, "gridPos": place(w, h), "description": desc,
         "fieldConfig": {"defaults": {"unit": unit, "custom": {"fillOpacity": 10, "stacking": {"mode": "normal" if stack else "none"}}}, "overrides": []},
         "options": {"legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"]}, "tooltip": {"mode": "multi"}},
         "targets": [{"refId": chr(65 + i), "expr": e, "legendFormat": l, "datasource": DS} for i, (e, l) in enumerate(targets)]})
def stat(title, expr, unit="short", w=4, h=4, thresholds=None, desc=""):
    panels.append({"type": "stat", "title": title, "id": nid(), "datasource": DS, "gridPos": place(w, h), "description": desc,
        "fieldConfig": {"defaults": {"unit": unit, "thresholds": {"mode": "absolute", "steps": thresholds or [{"color": "green", "value": None}]}}, "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False}, "colorMode": "background", "graphMode": "area"},
        "targets": [{"refId": "A", "expr": expr, "datasource": DS}]})
def table(title, targets, w=24, h=8, desc=""):
    panels.append({"type": "table", "title": title, "id": nid(), "datasource": DS, "gridPos": place(w, h), "description": desc,
        "fieldConfig": {"defaults": {}, "overrides": []}, "options": {"showHeader": True},
        "transformations": [{"id": "merge", "options": {}}],
        "targets": [{"refId": chr(65 + i), "expr": e, "format": "table", "instant": True, "datasource": DS, "legendFormat": l} for i, (e, l) in enumerate(targets)]})
def th(*pairs):
    return [{"color": c, "value": v} for c, v in pairs]
S = 'server=~"$server"'
P = 'pool=~"$pool"'
SEL = '{' + S + '}'
PSEL = '{' + P + '}'
def m(name, sel=SEL):
    return name + sel

row("Overview")
stat("Database up", f'min({m("linkflow_pg_up")})', thresholds=th(("red", None), ("green", 1)))
stat("Connections used", f'max(sum by (server, instance) ({m("linkflow_pg_connections")})) / max({m("linkflow_pg_max_connections")})', unit="percentunit", thresholds=th(("green", None), ("orange", 0.7), ("red", 0.8)))
stat("Cache hit ratio", f'max({m("linkflow_pg_cache_hit_ratio")})', unit="percentunit", thresholds=th(("red", None), ("orange", 0.9), ("green", 0.99)))
stat("Oldest transaction", f'max({m("linkflow_pg_oldest_transaction_age_seconds")})', unit="s", thresholds=th(("green", None), ("orange", 60), ("red", 300)))
stat("Max replication lag", f'max({m("linkflow_pg_replication_lag_seconds")}) or max({m("linkflow_pg_replica_replay_lag_seconds")}) or vector(0)', unit="s", thresholds=th(("green", None), ("orange", 10), ("red", 30)))
stat("Last successful backup", 'time() - max(linkflow_backup_last_success_timestamp_seconds)', unit="s", thresholds=th(("green", None), ("orange", 86400), ("red", 93600)), desc="Age of the newest successful backup in the backup catalog. Alert above 26 hours.")

row("Queries (every query through the project's pools)")
ts("Queries per second by name (top 10)", [(f'topk(10, sum by (query) (rate({m("linkflow_db_queries_total", PSEL)}[$__rate_interval])))', "{{query}}")], unit="reqps")
ts("Latency p50 / p95 / p99 (all queries)", [
    (f'histogram_quantile({q}, sum by (le) (rate({m("linkflow_db_query_duration_seconds_bucket", PSEL)}[$__rate_interval])))', f"p{int(float(q)*100)}") for q in ("0.5", "0.95", "0.99")], unit="s")
ts("p95 latency by name (top 10)", [(f'topk(10, histogram_quantile(0.95, sum by (le, query) (rate({m("linkflow_db_query_duration_seconds_bucket", PSEL)}[$__rate_interval]))))', "{{query}}")], unit="s")
ts("Database time by name (top 10)", [(f'topk(10, sum by (query) (rate({m("linkflow_db_query_duration_seconds_sum", PSEL)}[$__rate_interval])))', "{{query}}")], unit="s", desc="Seconds of database time per second: where the load comes from.")
ts("Errors by SQLSTATE class", [(f'sum by (sqlstate_class) (rate({m("linkflow_db_query_errors_total", PSEL)}[$__rate_interval]))', "{{sqlstate_class}}")], unit="reqps")
ts("Slow queries by name (above SLOW_QUERY_MS)", [(f'sum by (query) (rate({m("linkflow_db_slow_queries_total", PSEL)}[$__rate_interval]))', "{{query}}")], unit="reqps")
ts("Mean latency by name (top 10)", [(f'topk(10, sum by (query) (rate({m("linkflow_db_query_duration_seconds_sum", PSEL)}[$__rate_interval])) / sum by (query) (rate({m("linkflow_db_query_duration_seconds_count", PSEL)}[$__rate_interval])))', "{{query}}")], unit="s")

row("Connection pools")
ts("Pool connections", [
    (f'sum by (pool) ({m("linkflow_db_pool_total_connections", PSEL)})', "{{pool}} total"),
    (f'sum by (pool) ({m("linkflow_db_pool_idle_connections", PSEL)})', "{{pool}} idle"),
    (f'sum by (pool) ({m("linkflow_db_pool_max_connections", PSEL)})', "{{pool}} max")])
ts("Callers waiting for a connection", [(f'sum by (pool) ({m("linkflow_db_pool_waiting_clients", PSEL)})', "{{pool}}")])
ts("Acquire wait p95", [(f'histogram_quantile(0.95, sum by (le, pool) (rate({m("linkflow_db_pool_acquire_wait_seconds_bucket", PSEL)}[$__rate_interval])))', "{{pool}}")], unit="s")
ts("Pool errors", [(f'sum by (pool, kind) (rate({m("linkflow_db_pool_errors_total", PSEL)}[$__rate_interval]))', "{{pool}} {{kind}}")], unit="reqps")

row("Server")
ts("Connections by state", [(f'max by (state) ({m("linkflow_pg_connections")})', "{{state}}"), (f'max({m("linkflow_pg_max_connections")})', "max_connections")])
ts("Commits and rollbacks", [(f'max by (server) (rate({m("linkflow_pg_xact_commit_total")}[$__rate_interval]))', "{{server}} commits"), (f'max by (server) (rate({m("linkflow_pg_xact_rollback_total")}[$__rate_interval]))', "{{server}} rollbacks")], unit="reqps")
ts("Cache hit ratio", [(f'max by (server) (rate({m("linkflow_pg_blks_hit_total")}[$__rate_interval])) / clamp_min(max by (server) (rate({m("linkflow_pg_blks_hit_total")}[$__rate_interval])) + max by (server) (rate({m("linkflow_pg_blks_read_total")}[$__rate_interval])), 1)', "{{server}} (window)"), (f'max by (server) ({m("linkflow_pg_cache_hit_ratio")})', "{{server}} (since reset)")], unit="percentunit")
ts("Deadlocks, conflicts, temp bytes", [(f'max by (server) (increase({m("linkflow_pg_deadlocks_total")}[$__rate_interval]))', "{{server}} deadlocks"), (f'max by (server) (increase({m("linkflow_pg_conflicts_total")}[$__rate_interval]))', "{{server}} conflicts"), (f'max by (server) (rate({m("linkflow_pg_temp_bytes_total")}[$__rate_interval]))', "{{server}} temp bytes/s")])
ts("Database size", [(f'max by (server) ({m("linkflow_pg_database_size_bytes")})', "{{server}}")], unit="bytes")
ts("Transaction ID wraparound (age of datfrozenxid)", [(f'max by (server) ({m("linkflow_pg_database_frozen_xid_age")})', "{{server}}")])

row("Transactions and replication")
ts("Oldest transaction, idle in transaction, longest query", [
    (f'max by (server) ({m("linkflow_pg_oldest_transaction_age_seconds")})', "{{server}} oldest transaction"),
    (f'max by (server) ({m("linkflow_pg_idle_in_transaction_max_seconds")})', "{{server}} idle in transaction"),
    (f'max by (server) ({m("linkflow_pg_longest_query_seconds")})', "{{server}} longest query")], unit="s")
ts("Oldest running xid and xmin age", [(f'max by (server) ({m("linkflow_pg_oldest_xid_age")})', "{{server}} oldest xid"), (f'max by (server) ({m("linkflow_pg_oldest_xmin_age")})', "{{server}} oldest xmin")], desc="A long-running writer holds back the event store's readers: keep these low.")
ts("Replication lag (seconds)", [(f'max by (server, replica) ({m("linkflow_pg_replication_lag_seconds")})', "{{server}} -> {{replica}}"), (f'max by (server) ({m("linkflow_pg_replica_replay_lag_seconds")})', "{{server}} replay")], unit="s")
ts("Replication lag (bytes) and replicas", [(f'max by (server, replica) ({m("linkflow_pg_replication_lag_bytes")})', "{{server}} -> {{replica}}"), (f'max by (server) ({m("linkflow_pg_replica_replay_lag_bytes")})', "{{server}} replay"), (f'max by (server) ({m("linkflow_pg_replicas")})', "{{server}} replicas connected"), (f'max by (server) ({m("linkflow_pg_in_recovery")})', "{{server}} in recovery")])

row("Tables, indexes and partitions")
def top(name, title, unit="short", rate=False, desc=""):
    inner = f'rate({m(name)}[$__rate_interval])' if rate else m(name)
    ts(title, [(f'topk(10, max by (schema, table) ({inner}))', "{{schema}}.{{table}}")], unit=unit, desc=desc)
top("linkflow_pg_table_size_bytes", "Table size (top 10)", "bytes")
top("linkflow_pg_table_index_size_bytes", "Index size (top 10)", "bytes")
top("linkflow_pg_table_dead_tuples", "Dead tuples (top 10)")
ts("Dead / live ratio (top 10)", [(f'topk(10, max by (schema, table) ({m("linkflow_pg_table_dead_tuples")}) / clamp_min(max by (schema, table) ({m("linkflow_pg_table_live_tuples")}), 1))', "{{schema}}.{{table}}")], unit="percentunit")
top("linkflow_pg_table_seq_scans_total", "Sequential scans per second (top 10)", "reqps", rate=True)
top("linkflow_pg_table_idx_scans_total", "Index scans per second (top 10)", "reqps", rate=True)
top("linkflow_pg_table_last_autovacuum_age_seconds", "Time since last autovacuum (top 10)", "s")
top("linkflow_pg_table_last_autoanalyze_age_seconds", "Time since last autoanalyze (top 10)", "s")
top("linkflow_pg_table_live_tuples", "Live tuples (top 10)")
table("Partitions per parent", [(f'max by (table) ({m("linkflow_pg_partitions")})', "partitions"), (f'max by (table) ({m("linkflow_pg_partition_days_ahead")})', "days ahead"), (f'max by (table) ({m("linkflow_pg_partition_gaps")})', "gaps")], w=12)

row("Background jobs (graphile-worker)")
FAILED = '{' + S + ', state="failed"}'
READY = '{' + S + ', state="ready"}'
ts("Jobs by state", [(f'sum by (state) (max by (task, state) ({m("linkflow_worker_jobs")}))', "{{state}}")], stack=True)
ts("Failed jobs by task", [(f'max by (task) (linkflow_worker_jobs{FAILED})', "{{task}} failed"), (f'max by (task) ({m("linkflow_worker_jobs_with_errors")})', "{{task}} retrying")], desc="failed: attempts exhausted; retrying: last attempt failed, will run again.")
ts("Queue depth by task (ready)", [(f'max by (task) (linkflow_worker_jobs{READY})', "{{task}}")])
ts("Oldest runnable job waiting", [(f'max by (task) ({m("linkflow_worker_oldest_ready_job_age_seconds")})', "{{task}}")], unit="s")

row("Projections, backups and archives")
ts("Projection lag (events)", [('max by (projection) (linkflow_projection_lag_events)', "{{projection}}")])
ts("Projection lag (seconds)", [('max by (projection) (linkflow_projection_lag_seconds)', "{{projection}}")], unit="s")
ts("Time since last successful backup / archive run", [('time() - max by (catalog) (linkflow_backup_last_success_timestamp_seconds)', "backup {{catalog}}"), ('time() - max by (catalog) (linkflow_archive_last_success_timestamp_seconds)', "archive {{catalog}}")], unit="s")
ts("Failed runs since the last success", [('max by (catalog) (linkflow_backup_failed_runs)', "backup {{catalog}}"), ('max by (catalog) (linkflow_archive_failed_runs)', "archive {{catalog}}")])
table("Optional sources found", [('max by (source) (linkflow_monitoring_source_available)', "available")], w=12, desc="0: the source (pg_stat_statements, projection lag, backup or archive catalog) does not exist in this database; its panels stay empty.")

row("pg_stat_statements (top statements)")
stat("pg_stat_statements loaded", f'max({m("linkflow_pg_stat_statements_available")})', thresholds=th(("orange", None), ("green", 1)), desc="0: not preloaded or not installed; see docs/monitoring.md.")
newline(4)
table("Top statements by total time", [(f'topk(10, max by (queryid, query) ({m("linkflow_pg_top_statement_total_time_seconds")}))', "total s"), (f'max by (queryid, query) ({m("linkflow_pg_top_statement_calls")})', "calls")], w=12)
table("Top statements by mean time", [(f'topk(10, max by (queryid, query) ({m("linkflow_pg_top_statement_mean_time_seconds")}))', "mean s")], w=12)
ts("Statement time rate (top 10)", [(f'topk(10, max by (query) (rate({m("linkflow_pg_top_statement_total_time_seconds")}[$__rate_interval])))', "{{query}}")], unit="s")

row("Collector health")
ts("Statistics collection duration", [(f'max by (server, instance) ({m("linkflow_pg_stats_duration_seconds")})', "{{server}} {{instance}}")], unit="s")
ts("Collector section errors and staleness", [(f'sum by (server, section) (rate({m("linkflow_pg_stats_errors_total")}[$__rate_interval]))', "{{server}} {{section}} errors/s"), (f'time() - max by (server) ({m("linkflow_pg_stats_last_success_timestamp_seconds")})', "{{server}} seconds since success")])
ts("Server uptime and reserved connections", [(f'time() - max by (server) ({m("linkflow_pg_start_time_seconds")})', "{{server}} uptime s"), (f'max by (server) ({m("linkflow_pg_reserved_connections")})', "{{server}} reserved connections")])
ts("Backends in this database", [(f'max by (server) ({m("linkflow_pg_database_backends")})', "{{server}}")])

dash = {
  "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus", "pluginName": "Prometheus"}],
  "__requires": [{"type": "grafana", "id": "grafana", "name": "Grafana", "version": "10.0.0"}, {"type": "datasource", "id": "prometheus", "name": "Prometheus", "version": "1.0.0"}],
  "annotations": {"list": []},
  "description": "LinkFlow Data: database health (queries, pools, server statistics, replication, tables, jobs, projections, backups, pg_stat_statements). Metric reference: docs/monitoring.md.",
  "editable": True, "graphTooltip": 1, "links": [], "id": None, "uid": "linkflow-database", "title": "LinkFlow Data - Database",
  "tags": ["linkflow", "postgresql"], "timezone": "utc", "schemaVersion": 39, "version": 1, "refresh": "30s",
  "time": {"from": "now-6h", "to": "now"}, "timepicker": {},
  "templating": {"list": [
    {"name": "datasource", "label": "Data source", "type": "datasource", "query": "prometheus", "current": {}, "hide": 0, "refresh": 1, "options": []},
    {"name": "server", "label": "Server", "type": "query", "datasource": DS, "query": {"query": "label_values(linkflow_pg_up, server)", "refId": "server"}, "definition": "label_values(linkflow_pg_up, server)", "includeAll": True, "multi": True, "allValue": ".*", "current": {"selected": True, "text": "All", "value": "$__all"}, "refresh": 2, "hide": 0, "options": [], "sort": 1},
    {"name": "pool", "label": "Pool", "type": "query", "datasource": DS, "query": {"query": "label_values(linkflow_db_pool_total_connections, pool)", "refId": "pool"}, "definition": "label_values(linkflow_db_pool_total_connections, pool)", "includeAll": True, "multi": True, "allValue": ".*", "current": {"selected": True, "text": "All", "value": "$__all"}, "refresh": 2, "hide": 0, "options": [], "sort": 1},
  ]},
  "panels": panels,
}
json.dump(dash, open(sys.argv[1], "w"), indent=2, ensure_ascii=False)
print(len(panels), "panels")
