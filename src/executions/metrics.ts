// Prometheus metrics of the executions group commit (prom-client), registered in the registry the caller
// passes (the process wires its /metrics registry in; nothing here reaches into monitoring's internals).
import client from "prom-client";

/** What the group commit reports; any implementation may be injected (tests pass their own registry). */
export interface GroupCommitMetrics {
  /** One batch left: its lane (transition, node_run) and number of calls. */
  batch(lane: string, size: number): void;
  /** One call answered: seconds from the call to its answer (queue wait + batch + commit). */
  wait(lane: string, seconds: number): void;
  /** A batch failed as a whole and its calls were retried one by one. */
  retried(lane: string, calls: number): void;
}

const SIZE_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const WAIT_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

function getOrCreate<M>(registry: client.Registry, name: string, make: () => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make();
}

export function groupCommitMetrics(registry: client.Registry): GroupCommitMetrics {
  const registers = [registry];
  const size = getOrCreate(registry, "linkflow_executions_group_commit_batch_size", () => new client.Histogram({
    name: "linkflow_executions_group_commit_batch_size", help: "Calls per group-commit batch (one engine call, one commit).",
    labelNames: ["lane"], buckets: SIZE_BUCKETS, registers,
  }));
  const wait = getOrCreate(registry, "linkflow_executions_group_commit_wait_seconds", () => new client.Histogram({
    name: "linkflow_executions_group_commit_wait_seconds", help: "Seconds from a coalesced call to its answer (window, queue, batch and commit).",
    labelNames: ["lane"], buckets: WAIT_BUCKETS, registers,
  }));
  const retries = getOrCreate(registry, "linkflow_executions_group_commit_retried_calls_total", () => new client.Counter({
    name: "linkflow_executions_group_commit_retried_calls_total", help: "Calls retried one by one after their batch failed as a whole.",
    labelNames: ["lane"], registers,
  }));
  return {
    batch: (lane, n) => size.observe({ lane }, n),
    wait: (lane, s) => wait.observe({ lane }, s),
    retried: (lane, n) => retries.inc({ lane }, n),
  };
}

export const noGroupCommitMetrics: GroupCommitMetrics = { batch() {}, wait() {}, retried() {} };
