// Archive command line (a separate entry point; scripts/archive_job.sh wraps `run`):
//   node src/archive/cli.ts run [--team <uuid>] [--max-batches N]   one archiver run, prints the JSON report
//   node src/archive/cli.ts restore <batch-uuid> [--keep-days N]      restores a batch into the hot tables
// Connection: DATABASE_URL (owner), or embedded PostgreSQL like the main CLI. ARCHIVE_CRASH_AT=<point> makes
// the run SIGKILL itself at that point (crash tests only; ARCHIVE_CRASH_HIT=n: the n-th time it is reached).
import { loadConfig, setProcessConfig } from "../config.ts";
import { createPools, resolveDatabases } from "../bootstrap.ts";
import { CRASH_POINTS, runArchiveWithPool, type CrashPoint } from "./archiver.ts";
import { ArchiveReader } from "./retrieval.ts";
import { archiveStorage } from "./storage.ts";

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const config = loadConfig();
  setProcessConfig(config);
  const cfg = config.archive;
  const dbs = await resolveDatabases(config);
  const pools = createPools({ ...config, pool: { ...config.pool, statementTimeoutMs: 0 } }, dbs);
  const storage = archiveStorage(cfg);
  try {
    if (command === "run") {
      const crashAt = process.env.ARCHIVE_CRASH_AT as CrashPoint | undefined;
      if (crashAt && !CRASH_POINTS.includes(crashAt)) throw new Error(`ARCHIVE_CRASH_AT must be one of ${CRASH_POINTS.join(", ")}`);
      const maxBatches = flag(rest, "--max-batches");
      const report = await runArchiveWithPool(pools.owner, {
        storage, settings: cfg, teamId: flag(rest, "--team"), maxBatches: maxBatches ? Number(maxBatches) : undefined,
        crashAt: crashAt ?? null, crashMode: "kill", crashOnHit: Number(process.env.ARCHIVE_CRASH_HIT ?? 1),
      });
      console.log(JSON.stringify(report));
    } else if (command === "restore") {
      const id = rest[0];
      if (!id) throw new Error("restore needs a batch id");
      const n = await new ArchiveReader({ pool: pools.owner, storage, encryptionKey: cfg.encryptionKey }).restoreBatch(id, Number(flag(rest, "--keep-days") ?? 7));
      console.log(JSON.stringify({ restored: n }));
    } else {
      throw new Error("usage: node src/archive/cli.ts run [--team <uuid>] [--max-batches N] | restore <batch-uuid> [--keep-days N]");
    }
  } finally {
    await pools.end();
    if (dbs.embedded) await dbs.embedded.stop();
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
