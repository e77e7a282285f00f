// Configuration: every setting of the process (the platform's and each capability's section) is parsed and
// validated once, by loadConfig, and all bad values are reported together in one typed error.
import { describe, expect, it } from "vitest";
import { loadArchiveConfig } from "../../src/archive/index.ts";
import { backupSettingsFromEnv } from "../../src/backup/index.ts";
import { DEFAULT_GROUP_COMMIT, loadConfig } from "../../src/config.ts";
import { ConfigError } from "../../src/errors.ts";
import { loadMonitoringSettings } from "../../src/monitoring/index.ts";
import type { S3Storage } from "../../src/storage/index.ts";

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error("loadConfig accepted a bad configuration");
}

describe("configuration (loadConfig)", () => {
  it("reports every bad value of every section in one ConfigError (code CONFIG), naming each variable", () => {
    const bad = {
      PORT: "http",
      PG_POOL_MAX: "0",
      GRAPHQL_MAX_DEPTH: "1",
      LIVE_ENABLED: "perhaps",
      EXECUTIONS_GROUP_COMMIT_MAX_BATCH: "10001",
      ARCHIVE_STORAGE: "tape",
      ARCHIVE_ENCRYPTION_KEY: "short",
      BACKUP_FORMAT: "zip",
      BACKUP_JOBS: "-1",
      CACHE_TIMEOUT_MS: "soon",
      CACHE_REDIS_CLUSTER_NODES: "host-without-port",
      SLOW_QUERY_MS: "fast",
      METRICS_PORT: "70000",
      PROJECTION_BATCH_SIZE: "many",
      S3_ENDPOINT: "not a url",
      REDIS_URL: "http://example.com",
    };
    const e = configError(bad);
    expect(e.code).toBe("CONFIG");
    expect(e.issues.map((i) => i.name).sort()).toEqual(Object.keys(bad).sort());
    for (const name of Object.keys(bad)) expect(e.message).toContain(name);
    expect(e.toJSON()).toMatchObject({ code: "CONFIG", issues: expect.arrayContaining([{ name: "PORT", message: expect.stringContaining("PORT") }]) });
  });

  it("names a dependent requirement too: S3_BUCKET with ARCHIVE_STORAGE=s3, a JWT key in production", () => {
    const e = configError({ NODE_ENV: "production", ARCHIVE_STORAGE: "s3" });
    expect(e.issues.map((i) => i.name).sort()).toEqual(["JWT_SECRET", "S3_BUCKET"]);
  });

  it("keeps the documented defaults of every section when nothing is set", () => {
    const c = loadConfig({});
    expect(c.port).toBe(5678);
    expect(c.executions.groupCommit).toEqual(DEFAULT_GROUP_COMMIT);
    expect(c.archive).toMatchObject({ storage: "fs", fsRoot: ".data/archive", s3: null, hotDays: 30, coldDays: 365, batchSize: 5000, groupRows: 20_000, rowGroupSize: 500, zstdLevel: 9, encryptionKey: null });
    expect(c.backup).toMatchObject({ storageUrl: ".data/backups", secondaryStorageUrl: null, format: "auto", jobs: 2, compressLevel: 6, directoryThresholdBytes: 1024 ** 3, retention: { daily: 30, weekly: 12, monthly: 12 }, workerSchedule: true });
    expect(c.cache).toMatchObject({ redisUrl: null, clusterNodes: null, timeoutMs: 50, localMaxEntries: 10_000, localTtlMs: 10_000 });
    expect(c.monitoring).toEqual({ slowQueryMs: 200, slowQuerySqlChars: 500, statsIntervalMs: 15_000, topStatements: 10, metricsPort: 9464, metricsHost: "127.0.0.1" });
    expect(c.projections).toEqual({ enabled: true, batchSize: 2000, pollIntervalMs: 100 });
    expect(c.s3).toMatchObject({ region: "us-east-1", bucket: null, forcePathStyle: true });
  });

  it("gives each capability its section: archive, backup, monitoring read what loadConfig parsed", () => {
    const env = {
      ARCHIVE_STORAGE: "s3", S3_BUCKET: "lf-archive", S3_PREFIX: "/cold/", S3_REGION: "eu-west-1",
      S3_ACCESS_KEY_ID: "key", S3_SECRET_ACCESS_KEY: "secret", SLOW_QUERY_MS: "50",
      BACKUP_STORAGE_URL: "s3://lf-backups/primary", CACHE_REDIS_CLUSTER_NODES: "a:7000, b:7001",
    };
    const c = loadConfig(env);
    expect(loadArchiveConfig(env)).toEqual(c.archive);
    expect(c.archive.s3).toMatchObject({ bucket: "lf-archive", prefix: "cold", region: "eu-west-1", accessKeyId: "key" });
    expect(loadMonitoringSettings(env).slowQueryMs).toBe(50);
    expect(c.cache.clusterNodes).toEqual([{ host: "a", port: 7000 }, { host: "b", port: 7001 }]);
    // One parse of S3_*: a backup s3:// URL names its bucket and takes region and credentials from the same section.
    const primary = backupSettingsFromEnv(env).primary as S3Storage;
    expect(primary.name).toBe("s3:lf-backups/primary");
  });

  it("the config object is frozen: nothing changes a setting after start", () => {
    const c = loadConfig({});
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.archive)).toBe(true);
    expect(Object.isFrozen(c.monitoring)).toBe(true);
  });
});
