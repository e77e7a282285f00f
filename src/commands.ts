// The CLI's commands (src/cli.ts sets up the environment, then imports this module and calls runCli).
import { loadConfig, setProcessConfig } from "./config.ts";
import { createPools, redact, resolveDatabases, startMonitoring } from "./bootstrap.ts";
import { migrateUp, rollback } from "./db/migrate.ts";
import { createHttpApp } from "./server/index.ts";
import { startWorker, stopWorker } from "./worker/index.ts";
import { startProjectionManager } from "./events/index.ts";
import { logger } from "./logger.ts";
import { configureAuth } from "./users/index.ts";
import { registry as metricsRegistry } from "./monitoring/index.ts";
import { registerLifecycleMetrics } from "./lifecycle/index.ts";

async function main(argv: string[]): Promise<void> {
  const [command = "start", ...rest] = argv;
  // Every setting, parsed and validated once: one ConfigError lists all bad values, before anything starts.
  const config = loadConfig();
  setProcessConfig(config);
  logger.level = config.logLevel;
  const dbs = await resolveDatabases(config);
  const stopEmbedded = async () => { if (dbs.embedded) await dbs.embedded.stop(); };

  switch (command) {
    case "roles":
      logger.info("roles ensured");
      await stopEmbedded();
      return;
    case "migrate":
      await migrateUp(dbs.ownerUrl);
      logger.info({ database: redact(dbs.ownerUrl) }, "migrated");
      await stopEmbedded();
      return;
    case "rollback": {
      const i = rest.indexOf("--to");
      const to = i >= 0 ? Number(rest[i + 1]) : undefined;
      if (to !== undefined && !Number.isInteger(to)) throw new Error("--to takes a migration number");
      const undone = await rollback(dbs.ownerUrl, to);
      logger.info({ undone }, undone.length ? "rolled back" : "nothing to roll back");
      await stopEmbedded();
      return;
    }
    case "start":
    case "server":
    case "worker": {
      if (command === "start") await migrateUp(dbs.ownerUrl);
      const pools = createPools(config, dbs);
      // authenticate() signs tokens in SQL with the secret the server verifies with.
      if (config.jwt.secret) await configureAuth(pools.owner, config.jwt);
      // /metrics on the server's port; the worker alone gets its own listener on METRICS_PORT (docs/monitoring.md).
      const monitoring = await startMonitoring({ primary: pools.owner, replicas: pools.replicas, standalone: command === "worker", settings: config.monitoring });
      registerLifecycleMetrics({ pool: pools.owner, registry: metricsRegistry }); // usage and bulk-action gauges (docs/lifecycle.md)
      const app = command === "worker" ? null : await createHttpApp({ config, authPool: pools.auth, ownerPool: pools.owner, routes: monitoring.routes });
      const runner = command === "server" ? null : await startWorker({ pgPool: pools.owner, concurrency: config.workerConcurrency });
      const projections = command === "server" ? null : await startProjectionManager(dbs.ownerUrl, config.projections);
      if (app) {
        const { url } = await app.listen(config.port, config.host);
        // Plain lines a newcomer (and the start test) can read, besides the JSON log.
        console.log(`LinkFlow Data database: ${redact(dbs.ownerUrl)}`);
        console.log(`LinkFlow Data GraphQL: ${url}/graphql`);
      }
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, "shutting down gracefully");
        const force = setTimeout(() => { logger.error("forced exit after 30s"); process.exit(1); }, 30_000);
        force.unref();
        await app?.close();
        if (runner) await stopWorker(runner, pools.owner); // in-flight jobs finish first
        await projections?.stop(); // the batch in flight commits or rolls back; locks go with the connections
        await monitoring.stop();
        await pools.end();
        await stopEmbedded();
        logger.info("stopped");
        console.log("LinkFlow Data stopped");
        process.exit(0);
      };
      process.on("SIGTERM", () => void shutdown("SIGTERM"));
      process.on("SIGINT", () => void shutdown("SIGINT"));
      return;
    }
    default:
      throw new Error(`unknown command ${command}`);
  }
}

export function runCli(argv: string[]): void {
  main(argv).catch((e: unknown) => {
    logger.fatal({ err: e }, "failed");
    console.error(e instanceof Error ? e.message : e);
    process.exit(1);
  });
}
