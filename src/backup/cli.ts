// Backup command line: `node src/backup/cli.ts <command>` (npm run restore -- <backup>; scripts/backup/*.sh).
//   backup       [--format custom|directory|auto] [--jobs N]        dump, store, catalog, copy to the second target
//   restore      <latest|backup id|manifest key> [--target DB] [--force] [--source primary|secondary|any]
//                [--jobs N] [--no-verify-data]                       restore into a new database
//   restore-test                                                     restore the latest backup into a scratch db and check it
//   prune        [--dry-run]                                         apply retention
//   list                                                             the catalog
//   metrics                                                          the backup_metrics view (Prometheus text)
// Settings: see src/backup/settings.ts (DATABASE_URL, ROOT_DATABASE_URL, BACKUP_STORAGE_DIR, ...).
import pg from "pg";
import { ConfigError, LinkFlowError, ValidationError } from "../errors.ts";
import { runBackup } from "./backup.ts";
import { latestManifestKey, listBackups, resolveFromCatalog } from "./catalog.ts";
import { readBackupMetrics } from "./metrics.ts";
import { databaseOf } from "./pgtools.ts";
import { pruneBackups } from "./prune.ts";
import { restoreBackup } from "./restore.ts";
import { assertRestoreTest } from "./restore-test.ts";
import { backupSettingsFromEnv, type BackupSettings } from "./settings.ts";

interface Args { positional: string[]; flags: Map<string, string | true> }

export function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) { positional.push(a); continue; }
    const [k, v] = a.slice(2).split("=", 2) as [string, string | undefined];
    if (v !== undefined) flags.set(k, v);
    else if (["format", "jobs", "target", "source"].includes(k)) {
      const next = argv[++i];
      if (next === undefined) throw new ValidationError(`--${k} needs a value`, { field: k });
      flags.set(k, next);
    } else flags.set(k, true);
  }
  return { positional, flags };
}

function need(v: string | null, what: string): string {
  if (!v) throw new ConfigError(`${what} is required`);
  return v;
}

function sourcesFor(s: BackupSettings, which: string): BackupSettings["primary"][] {
  if (which === "primary") return [s.primary];
  if (which === "secondary") {
    if (!s.secondary) throw new ConfigError("--source secondary needs BACKUP_SECONDARY_STORAGE_DIR or _URL");
    return [s.secondary];
  }
  if (which !== "any") throw new ValidationError("--source must be primary, secondary or any", { field: "source" });
  return s.secondary ? [s.primary, s.secondary] : [s.primary];
}

const jobsFlag = (a: Args, def: number) => {
  const raw = a.flags.get("jobs");
  if (raw === undefined) return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new ValidationError("--jobs must be an integer between 1 and 64", { field: "jobs" });
  return n;
};

async function withCatalog<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try { return await fn(c); } finally { await c.end(); }
}

export async function main(argv: string[], s: BackupSettings = backupSettingsFromEnv()): Promise<unknown> {
  const [command, ...rest] = argv;
  const a = parseArgs(rest);
  switch (command) {
    case "backup": {
      const format = (a.flags.get("format") as BackupSettings["format"] | undefined) ?? s.format;
      if (!["custom", "directory", "auto"].includes(format)) throw new ValidationError("--format must be custom, directory or auto", { field: "format" });
      return runBackup({ databaseUrl: need(s.databaseUrl, "DATABASE_URL"), storage: s.primary, secondary: s.secondary, format,
        jobs: jobsFlag(a, s.jobs), compressLevel: s.compressLevel, directoryThresholdBytes: s.directoryThresholdBytes, workDir: s.workDir });
    }
    case "restore": {
      const ref = a.positional[0];
      if (!ref) throw new ValidationError("usage: restore <latest|backup id|manifest key> [--target DB] [--force]", { field: "backup" });
      const sources = sourcesFor(s, String(a.flags.get("source") ?? "any"));
      let key: string | null = null;
      let sha: string | null = null;
      // The catalog gives the manifest's sha256; without it (lost server) the stores' own records are used.
      if (s.databaseUrl) {
        try {
          const entry = await withCatalog(s.databaseUrl, (c) => resolveFromCatalog(c, ref));
          key = entry.storage_key; sha = entry.sha256;
        } catch (e) {
          if (e instanceof LinkFlowError && e.code !== "NOT_FOUND") throw e;
          if (!ref.endsWith("manifest.json") && ref !== "latest") throw e;
        }
      }
      if (!key) key = ref === "latest" ? await latestManifestKey(sources, need(s.databaseName ?? (s.databaseUrl && databaseOf(s.databaseUrl)) ?? null, "BACKUP_DATABASE_NAME")) : ref;
      const sourceDb = key.split("/")[1] ?? "linkflow";
      const stamp = new Date().toISOString().slice(0, 16).replace(/[-T:]/g, "");
      const target = String(a.flags.get("target") ?? `${sourceDb.slice(0, 30)}_restored_${stamp}`);
      return restoreBackup({ sources, manifestKey: key, expectedSha256: sha, rootUrl: need(s.rootUrl, "ROOT_DATABASE_URL"), targetDatabase: target,
        force: a.flags.get("force") === true, jobs: jobsFlag(a, s.jobs), verifyData: !a.flags.has("no-verify-data"), workDir: s.workDir })
        .then((r) => ({ database: r.database, source: r.source, backup: r.manifest.id, restoreMs: r.restoreMs, totalMs: r.totalMs, tablesVerified: r.tablesVerified }));
    }
    case "restore-test":
      return assertRestoreTest({ databaseUrl: need(s.databaseUrl, "DATABASE_URL"), rootUrl: need(s.rootUrl, "ROOT_DATABASE_URL"),
        sources: sourcesFor(s, "any"), jobs: s.jobs, workDir: s.workDir });
    case "prune":
      return withCatalog(need(s.databaseUrl, "DATABASE_URL"), (c) => pruneBackups(c, sourcesFor(s, "any"), { policy: s.retention, dryRun: a.flags.has("dry-run") }));
    case "list":
      return withCatalog(need(s.databaseUrl, "DATABASE_URL"), (c) => listBackups(c));
    case "metrics":
      return withCatalog(need(s.databaseUrl, "DATABASE_URL"), async (c) =>
        (await readBackupMetrics(c)).map((m) => `# HELP ${m.metric} ${m.help}\n# TYPE ${m.metric} gauge\n${m.metric} ${m.value}`).join("\n"));
    default:
      throw new ValidationError(`unknown command ${command ?? ""}: backup | restore | restore-test | prune | list | metrics`, { field: "command" });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).then((out) => {
    console.log(typeof out === "string" ? out : JSON.stringify(out, null, 2));
    process.exit(0);
  }, (e: unknown) => {
    const err = e as LinkFlowError;
    console.error(e instanceof LinkFlowError ? `${e.name} (${e.code}): ${e.message}${e.detail ? ` [${e.detail}]` : ""}` : e instanceof Error ? e.message : String(e));
    process.exit(err instanceof LinkFlowError && err.code === "CONFLICT" ? 3 : err instanceof LinkFlowError && err.code === "VALIDATION" ? 4 : 1);
  });
}
