// The background worker (graphile-worker runner): import from here.
export { startWorker, stopWorker, type WorkerOptions } from "./runner.ts";
