// Configuration: parsed and validated once, at start, in one place. loadConfig() reads every setting of the
// process (the platform's and each capability's section: archive, backup, cache, monitoring, projections, S3,
// live, executions group commit, GraphQL limits) and throws ONE ConfigError listing every bad value. The
// composition root (src/commands.ts) loads it and registers it as the process's configuration
// (setProcessConfig); capabilities receive their section, and code started outside the CLI (worker tasks,
// tools) reads processConfig(), which parses process.env once when nothing was registered.
import { ConfigError, type ConfigIssue } from "./errors.ts";

export interface PoolSettings {
  max: number;
  idleTimeoutMs: number;
  connectionTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName: string;
}

/** Group commit of the executions service path (src/executions/group-commit.ts, docs/executions.md). */
export interface GroupCommitSettings {
  /** Coalesce concurrent single calls (EXECUTIONS_GROUP_COMMIT, default on). */
  enabled: boolean;
  /** How long the first call of a batch waits for company when no batch is in flight, ms (EXECUTIONS_GROUP_COMMIT_WINDOW_MS, default 2; 0: the next event-loop turn). */
  windowMs: number;
  /** Calls per batch; a full batch leaves at once (EXECUTIONS_GROUP_COMMIT_MAX_BATCH, default 64). */
  maxBatch: number;
  /** Batches in flight at once, each on its own connection (EXECUTIONS_GROUP_COMMIT_MAX_IN_FLIGHT, default 4). */
  maxInFlight: number;
}

export const DEFAULT_GROUP_COMMIT: Readonly<GroupCommitSettings> = Object.freeze({ enabled: true, windowMs: 2, maxBatch: 64, maxInFlight: 4 });

/** S3-compatible object storage (S3_*): the archive's target, and the defaults of backup s3:// URLs. */
export interface S3Settings {
  endpoint: string | null; region: string; bucket: string; prefix: string;
  accessKeyId: string | null; secretAccessKey: string | null; forcePathStyle: boolean;
}

export type S3Connection = Omit<S3Settings, "bucket"> & { bucket: string | null };

/** Archive settings (ARCHIVE_*, docs/archive.md). */
export interface ArchiveConfig {
  storage: "fs" | "s3";
  fsRoot: string;
  /** The S3 settings when storage is s3 (S3_BUCKET then required). */
  s3: S3Settings | null;
  hotDays: number;
  coldDays: number;
  batchSize: number;
  /** Executions per group: the batches planned in one transaction, then uploaded and verified together. */
  groupRows: number;
  rowGroupSize: number;
  zstdLevel: number;
  encryptionKey: Buffer | null;
}

/** Backup settings (BACKUP_*, docs/backup.md); src/backup turns the storage URLs into Storage objects. */
export interface BackupConfig {
  databaseUrl: string | null;
  rootUrl: string | null;
  storageUrl: string;
  secondaryStorageUrl: string | null;
  format: "custom" | "directory" | "auto";
  jobs: number;
  compressLevel: number;
  directoryThresholdBytes: number;
  retention: { daily: number; weekly: number; monthly: number };
  workDir: string | undefined;
  /** BACKUP_WORKER_SCHEDULE=off: the worker's crontab runs stand down (default on). */
  workerSchedule: boolean;
  /** BACKUP_DATABASE_NAME: for `restore latest` without a catalog. */
  databaseName: string | null;
}

/** Cache settings (CACHE_*, REDIS_URL; docs/cache.md). */
export interface CacheSettings {
  redisUrl: string | null;
  clusterNodes: { host: string; port: number }[] | null;
  namespace: string | undefined;
  timeoutMs: number;
  localMaxEntries: number;
  localTtlMs: number;
}

/** Monitoring settings (docs/monitoring.md). */
export interface MonitoringSettings {
  slowQueryMs: number;
  slowQuerySqlChars: number;
  statsIntervalMs: number;
  topStatements: number;
  metricsPort: number;
  metricsHost: string;
}

/** The projection manager of the worker (PROJECTIONS, PROJECTION_BATCH_SIZE, PROJECTION_POLL_MS; docs/events.md). */
export interface ProjectionSettings { enabled: boolean; batchSize: number; pollIntervalMs: number }

export interface Config {
  nodeEnv: "development" | "production" | "test";
  /** Owner URL (migrations, worker, SECURITY DEFINER work). Null: use embedded PostgreSQL. */
  databaseUrl: string | null;
  /** Superuser URL used to create roles and databases (optional in production). */
  rootDatabaseUrl: string | null;
  /** Authenticator URL for PostGraphile (login, NOINHERIT). Derived from databaseUrl when absent. */
  authDatabaseUrl: string | null;
  /** Read replicas (streaming replication), comma-separated in REPLICA_DATABASE_URLS. */
  replicaUrls: string[];
  ownerPassword: string;
  authenticatorPassword: string;
  redisUrl: string | null;
  host: string;
  port: number;
  jwt: { secret: string | null; publicKey: string | null; issuer: string | null; audience: string | null; clockSkewS: number };
  graphql: GraphQLSettings;
  pool: PoolSettings;
  /** Live API (subscriptions, docs/live.md). */
  live: { enabled: boolean; pollMs: number; readIntervalMs: number; bufferSize: number; maxSocketBufferBytes: number; maxSubscribers: number; membershipRecheckMs: number; consistencyTimeoutMs: number };
  workerConcurrency: number;
  executions: { groupCommit: Readonly<GroupCommitSettings> };
  embeddedDataDir: string;
  embeddedPort: number;
  logLevel: string;
  /** S3_* as given (the bucket may be unset: backup s3:// URLs name their own bucket and take the rest from here). */
  s3: Readonly<S3Connection>;
  archive: Readonly<ArchiveConfig>;
  backup: Readonly<BackupConfig>;
  cache: Readonly<CacheSettings>;
  monitoring: Readonly<MonitoringSettings>;
  projections: Readonly<ProjectionSettings>;
}

/** GraphQL API limits (docs/operations.md lists each with its default and environment variable). */
export interface GraphQLSettings {
  maxPageSize: number;
  defaultPageSize: number;
  maxDepth: number;
  maxCost: number;
  maxAliases: number;
  maxFields: number;
  maxCompositeFields: number;
  maxOperations: number;
  maxTokens: number;
  maxNesting: number;
  introspection: boolean;
  maxIntrospectionRoots: number;
  maxIntrospectionDepth: number;
  introspectionCost: number;
  maxVariableDepth: number;
  statementTimeoutMs: number;
  requestTimeoutMs: number;
  planningTimeoutMs: number;
  requestDbConcurrency: number;
  callerDbConcurrency: number;
  callerMaxConcurrent: number;
  callerRatePerSec: number;
  callerBurst: number;
  maxRequestBytes: number;
  graphiql: boolean;
  /** GRAPHQL_EXPLAIN=1: PostGraphile's explain output (development). */
  explain: boolean;
}

export type Env = Record<string, string | undefined>;

/**
 * Reads settings from an environment and collects every bad value (it never throws while reading: a bad value
 * yields the default, and the issue is kept). done() throws one ConfigError listing them all.
 */
export class SettingsReader {
  readonly issues: ConfigIssue[] = [];
  readonly env: Env;
  constructor(env: Env) { this.env = env; }

  raw(name: string): string | undefined {
    const v = this.env[name];
    return v === undefined || v === "" ? undefined : v;
  }
  issue(name: string, message: string): void { this.issues.push({ name, message }); }

  /** An integer: the default when unset, an issue when not an integer within [min, max]. */
  int(name: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
    const raw = this.raw(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.issue(name, `${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
      return def;
    }
    return n;
  }

  bool(name: string, def: boolean): boolean {
    const raw = this.raw(name);
    if (raw === undefined) return def;
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    this.issue(name, `${name} must be a boolean (true/false), got ${JSON.stringify(raw)}`);
    return def;
  }

  /** A postgres:// or redis:// URL, or null when unset. */
  serviceUrl(name: string, raw = this.raw(name)): string | null {
    if (!raw) return null;
    try {
      const u = new URL(raw);
      if (!/^(postgres|postgresql|redis|rediss):$/.test(u.protocol)) throw new Error("bad protocol");
    } catch {
      this.issue(name, `${name} is not a valid postgres:// or redis:// URL`);
      return null;
    }
    return raw;
  }

  oneOf<T extends string>(name: string, values: readonly T[], def: T): T {
    const raw = this.raw(name) ?? def;
    if ((values as readonly string[]).includes(raw)) return raw as T;
    this.issue(name, `${name} must be ${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}, got ${JSON.stringify(raw)}`);
    return def;
  }

  /** Throws the one ConfigError naming every bad value read so far. */
  done(): void {
    if (this.issues.length === 0) return;
    const names = [...new Set(this.issues.map((i) => i.name))];
    throw new ConfigError(
      `invalid configuration (${names.join(", ")}): ${this.issues.map((i) => i.message).join("; ")}`,
      this.issues,
    );
  }
}

/** An integer setting from the environment: the default when unset, a ConfigError when out of range. */
export function envInt(env: Env, name: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const r = new SettingsReader(env);
  const n = r.int(name, def, min, max);
  r.done();
  return n;
}

function readGroupCommit(r: SettingsReader): Readonly<GroupCommitSettings> {
  const d = DEFAULT_GROUP_COMMIT;
  return Object.freeze({
    enabled: r.bool("EXECUTIONS_GROUP_COMMIT", d.enabled),
    windowMs: r.int("EXECUTIONS_GROUP_COMMIT_WINDOW_MS", d.windowMs, 0, 1000),
    maxBatch: r.int("EXECUTIONS_GROUP_COMMIT_MAX_BATCH", d.maxBatch, 1, 10_000),
    maxInFlight: r.int("EXECUTIONS_GROUP_COMMIT_MAX_IN_FLIGHT", d.maxInFlight, 1, 64),
  });
}

/** The executions group-commit settings (the same section loadConfig reads; for tools that need only these). */
export function groupCommitSettings(env: Env = process.env): Readonly<GroupCommitSettings> {
  const r = new SettingsReader(env);
  const s = readGroupCommit(r);
  r.done();
  return s;
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const r = new SettingsReader(env);
  const nodeEnv = r.oneOf<Config["nodeEnv"]>("NODE_ENV", ["development", "production", "test"], "development");
  const secret = env.JWT_SECRET || null;
  const publicKey = env.JWT_PUBLIC_KEY || null;
  if (nodeEnv === "production" && !secret && !publicKey) {
    r.issue("JWT_SECRET", "JWT_SECRET (HS256) or JWT_PUBLIC_KEY (RS256) is required in production");
  }
  if (secret && secret.length < 32) r.issue("JWT_SECRET", "JWT_SECRET must be at least 32 characters");
  const databaseUrl = r.serviceUrl("DATABASE_URL");
  const rootDatabaseUrl = r.serviceUrl("ROOT_DATABASE_URL");
  const host = env.HOST ?? "127.0.0.1";
  const s3 = readS3(r);
  const cfg: Config = {
    nodeEnv,
    databaseUrl,
    rootDatabaseUrl,
    authDatabaseUrl: r.serviceUrl("AUTH_DATABASE_URL"),
    replicaUrls: (env.REPLICA_DATABASE_URLS ?? "").split(",").map((s) => s.trim()).filter(Boolean)
      .map((u, i) => r.serviceUrl(`REPLICA_DATABASE_URLS[${i}]`, u)).filter((u): u is string => u !== null),
    ownerPassword: env.DATABASE_OWNER_PASSWORD ?? "linkflow_owner",
    authenticatorPassword: env.DATABASE_AUTHENTICATOR_PASSWORD ?? "linkflow_authenticator",
    redisUrl: r.serviceUrl("REDIS_URL"),
    host,
    port: r.int("PORT", 5678, 0, 65535),
    jwt: {
      secret: secret ?? (nodeEnv === "production" || publicKey ? null : "linkflow-development-secret-change-me-please"),
      publicKey,
      issuer: env.JWT_ISSUER || null,
      audience: env.JWT_AUDIENCE || null,
      clockSkewS: r.int("JWT_CLOCK_SKEW_S", 30, 0, 3_600),
    },
    graphql: readGraphQL(r, nodeEnv),
    pool: {
      max: r.int("PG_POOL_MAX", 10, 1, 1000),
      idleTimeoutMs: r.int("PG_POOL_IDLE_TIMEOUT_MS", 30_000, 0),
      connectionTimeoutMs: r.int("PG_POOL_CONNECTION_TIMEOUT_MS", 5_000, 0),
      statementTimeoutMs: r.int("PG_STATEMENT_TIMEOUT_MS", 30_000, 0),
      applicationName: env.PG_APPLICATION_NAME ?? "linkflow-data",
    },
    live: {
      enabled: r.bool("LIVE_ENABLED", true),
      pollMs: r.int("LIVE_POLL_MS", 50, 5, 60_000),
      readIntervalMs: r.int("LIVE_READ_INTERVAL_MS", 5, 0, 1_000),
      bufferSize: r.int("LIVE_SUBSCRIBER_BUFFER", 1_000, 1, 1_000_000),
      maxSocketBufferBytes: r.int("LIVE_MAX_SOCKET_BUFFER_BYTES", 1_048_576, 1_024),
      maxSubscribers: r.int("LIVE_MAX_SUBSCRIBERS", 10_000, 1),
      membershipRecheckMs: r.int("LIVE_MEMBERSHIP_RECHECK_MS", 30_000, 100),
      consistencyTimeoutMs: r.int("CONSISTENCY_TIMEOUT_MS", 5_000, 0, 600_000),
    },
    workerConcurrency: r.int("WORKER_CONCURRENCY", 4, 1, 100),
    executions: { groupCommit: readGroupCommit(r) },
    embeddedDataDir: env.EMBEDDED_PG_DIR ?? ".data/postgres",
    embeddedPort: r.int("EMBEDDED_PG_PORT", 54329, 1, 65535),
    logLevel: env.LOG_LEVEL ?? (nodeEnv === "test" ? "warn" : "info"),
    s3,
    archive: readArchive(r, s3),
    backup: readBackup(r, databaseUrl, rootDatabaseUrl),
    cache: readCache(r),
    monitoring: Object.freeze({
      slowQueryMs: r.int("SLOW_QUERY_MS", 200, 0, 86_400_000),
      slowQuerySqlChars: r.int("SLOW_QUERY_SQL_CHARS", 500, 20, 100_000),
      statsIntervalMs: r.int("DB_STATS_INTERVAL_MS", 15_000, 0, 86_400_000),
      topStatements: r.int("DB_STATS_TOP_STATEMENTS", 10, 0, 100),
      metricsPort: r.int("METRICS_PORT", 9464, 0, 65535),
      metricsHost: env.METRICS_HOST || env.HOST || "127.0.0.1",
    }),
    projections: Object.freeze({
      enabled: !/^(0|false|off|no)$/i.test(env.PROJECTIONS ?? ""),
      batchSize: r.int("PROJECTION_BATCH_SIZE", 2000, 1, 1_000_000),
      pollIntervalMs: r.int("PROJECTION_POLL_MS", 100, 1, 3_600_000),
    }),
  };
  r.done();
  return Object.freeze(cfg);
}

// Kept on globalThis, so task modules graphile-worker loads natively (another module instance of this file
// under a test runner) see the configuration the process registered.
const SLOT = Symbol.for("linkflow.processConfig");
type Holder = { [SLOT]?: Readonly<Config> | null };

/** Registers the configuration the process started with (the composition root does, right after loadConfig). */
export function setProcessConfig(config: Readonly<Config> | null): void { (globalThis as Holder)[SLOT] = config; }

/** The process's configuration: the one registered at start, else process.env parsed once (tasks, tools, tests). */
export function processConfig(): Readonly<Config> {
  const g = globalThis as Holder;
  g[SLOT] ??= loadConfig();
  return g[SLOT];
}

/** S3_*, read once for the archive and for backup s3:// URLs. */
function readS3(r: SettingsReader): Readonly<S3Connection> {
  const endpoint = r.raw("S3_ENDPOINT") ?? null;
  if (endpoint) {
    try { new URL(endpoint); } catch { r.issue("S3_ENDPOINT", "S3_ENDPOINT must be a URL"); }
  }
  return Object.freeze({
    endpoint, region: r.raw("S3_REGION") ?? "us-east-1", bucket: r.raw("S3_BUCKET") ?? null,
    prefix: (r.env.S3_PREFIX ?? "").replace(/^\/+|\/+$/g, ""),
    accessKeyId: r.raw("S3_ACCESS_KEY_ID") ?? null, secretAccessKey: r.raw("S3_SECRET_ACCESS_KEY") ?? null,
    forcePathStyle: r.bool("S3_FORCE_PATH_STYLE", true),
  });
}

/** A 32-byte key as 64 hex characters or base64 (null when unset). */
function readKey32(r: SettingsReader, name: string): Buffer | null {
  const raw = r.raw(name);
  if (!raw) return null;
  const buf = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (buf.length !== 32) { r.issue(name, `${name} must be 32 bytes (64 hex chars or base64)`); return null; }
  return buf;
}

function readArchive(r: SettingsReader, s3: Readonly<S3Connection>): Readonly<ArchiveConfig> {
  const storage = r.oneOf<ArchiveConfig["storage"]>("ARCHIVE_STORAGE", ["fs", "s3"], "fs");
  const bucket = s3.bucket;
  if (storage === "s3" && !bucket) r.issue("S3_BUCKET", "S3_BUCKET is required when ARCHIVE_STORAGE=s3");
  return Object.freeze({
    storage, s3: storage === "s3" && bucket ? Object.freeze({ ...s3, bucket }) : null,
    fsRoot: r.raw("ARCHIVE_DIR") ?? ".data/archive",
    hotDays: r.int("ARCHIVE_HOT_DAYS", 30, 1, 3650),
    coldDays: r.int("ARCHIVE_COLD_DAYS", 365, 1, 36500),
    batchSize: r.int("ARCHIVE_BATCH_SIZE", 5000, 1, 1_000_000),
    groupRows: r.int("ARCHIVE_GROUP_ROWS", 20_000, 1, 1_000_000),
    rowGroupSize: r.int("ARCHIVE_ROW_GROUP_SIZE", 500, 10, 1_000_000),
    zstdLevel: r.int("ARCHIVE_ZSTD_LEVEL", 9, 1, 19),
    encryptionKey: readKey32(r, "ARCHIVE_ENCRYPTION_KEY"),
  });
}

function readBackup(r: SettingsReader, databaseUrl: string | null, rootDatabaseUrl: string | null): Readonly<BackupConfig> {
  const backupDb = r.raw("BACKUP_DATABASE_URL") ?? databaseUrl;
  return Object.freeze({
    databaseUrl: backupDb,
    rootUrl: r.raw("BACKUP_ROOT_DATABASE_URL") ?? rootDatabaseUrl ?? backupDb,
    storageUrl: r.raw("BACKUP_STORAGE_URL") ?? r.raw("BACKUP_STORAGE_DIR") ?? ".data/backups",
    secondaryStorageUrl: r.raw("BACKUP_SECONDARY_STORAGE_URL") ?? r.raw("BACKUP_SECONDARY_STORAGE_DIR") ?? null,
    format: r.oneOf<BackupConfig["format"]>("BACKUP_FORMAT", ["custom", "directory", "auto"], "auto"),
    jobs: r.int("BACKUP_JOBS", 2, 1, 64),
    compressLevel: r.int("BACKUP_COMPRESS_LEVEL", 6, 0, 9),
    directoryThresholdBytes: r.int("BACKUP_DIRECTORY_THRESHOLD_BYTES", 1024 ** 3, 0, Number.MAX_SAFE_INTEGER),
    retention: Object.freeze({
      daily: r.int("BACKUP_KEEP_DAILY", 30, 0, 10_000),
      weekly: r.int("BACKUP_KEEP_WEEKLY", 12, 0, 10_000),
      monthly: r.int("BACKUP_KEEP_MONTHLY", 12, 0, 10_000),
    }),
    workDir: r.raw("BACKUP_WORK_DIR"),
    workerSchedule: r.raw("BACKUP_WORKER_SCHEDULE") !== "off",
    databaseName: r.raw("BACKUP_DATABASE_NAME") ?? null,
  });
}

function readCache(r: SettingsReader): Readonly<CacheSettings> {
  const nodes = r.raw("CACHE_REDIS_CLUSTER_NODES");
  let clusterNodes: CacheSettings["clusterNodes"] = null;
  if (nodes) {
    clusterNodes = nodes.split(",").map((hp) => {
      const [host, port] = hp.trim().split(":");
      return { host: host ?? "", port: Number(port) };
    });
    if (clusterNodes.some((n) => !n.host || !Number.isInteger(n.port) || n.port <= 0)) {
      r.issue("CACHE_REDIS_CLUSTER_NODES", "CACHE_REDIS_CLUSTER_NODES must be host:port,host:port");
      clusterNodes = null;
    }
  }
  return Object.freeze({
    redisUrl: r.raw("REDIS_URL") ?? null,
    clusterNodes,
    namespace: r.raw("CACHE_NAMESPACE"),
    timeoutMs: r.int("CACHE_TIMEOUT_MS", 50, 0),
    localMaxEntries: r.int("CACHE_LOCAL_MAX_ENTRIES", 10_000, 0),
    localTtlMs: r.int("CACHE_LOCAL_TTL_MS", 10_000, 0),
  });
}

function readGraphQL(r: SettingsReader, nodeEnv: Config["nodeEnv"]): GraphQLSettings {
  const maxPageSize = r.int("GRAPHQL_MAX_PAGE_SIZE", 100, 1, 10_000);
  const g: GraphQLSettings = {
    maxPageSize,
    defaultPageSize: r.int("GRAPHQL_DEFAULT_PAGE_SIZE", Math.min(50, maxPageSize), 1, 10_000),
    maxDepth: r.int("GRAPHQL_MAX_DEPTH", 10, 2, 100),
    maxCost: r.int("GRAPHQL_MAX_COST", 50_000, 1),
    maxAliases: r.int("GRAPHQL_MAX_ALIASES", 100, 0, 100_000),
    maxFields: r.int("GRAPHQL_MAX_FIELDS", 1_000, 1, 1_000_000),
    maxCompositeFields: r.int("GRAPHQL_MAX_COMPOSITE_FIELDS", 50, 1, 1_000_000),
    maxOperations: r.int("GRAPHQL_MAX_OPERATIONS", 10, 1, 1_000),
    maxTokens: r.int("GRAPHQL_MAX_TOKENS", 10_000, 100, 10_000_000),
    maxNesting: r.int("GRAPHQL_MAX_NESTING", 50, 5, 1_000),
    introspection: r.bool("GRAPHQL_INTROSPECTION", nodeEnv !== "production"),
    maxIntrospectionRoots: r.int("GRAPHQL_MAX_INTROSPECTION_ROOTS", 2, 0, 100),
    maxIntrospectionDepth: r.int("GRAPHQL_MAX_INTROSPECTION_DEPTH", 20, 2, 100),
    introspectionCost: r.int("GRAPHQL_INTROSPECTION_COST", 5_000, 0),
    maxVariableDepth: r.int("GRAPHQL_MAX_VARIABLE_DEPTH", 64, 1, 1_000),
    statementTimeoutMs: r.int("GRAPHQL_STATEMENT_TIMEOUT_MS", 5_000, 1),
    requestTimeoutMs: r.int("GRAPHQL_REQUEST_TIMEOUT_MS", 10_000, 1),
    planningTimeoutMs: r.int("GRAPHQL_PLANNING_TIMEOUT_MS", 500, 1),
    requestDbConcurrency: r.int("GRAPHQL_REQUEST_DB_CONCURRENCY", 2, 1, 1_000),
    callerDbConcurrency: r.int("GRAPHQL_CALLER_DB_CONCURRENCY", 3, 1, 1_000),
    callerMaxConcurrent: r.int("GRAPHQL_CALLER_MAX_CONCURRENT", 16, 1, 100_000),
    callerRatePerSec: r.int("GRAPHQL_CALLER_RATE_PER_SEC", 100, 1, 1_000_000),
    callerBurst: r.int("GRAPHQL_CALLER_BURST", 200, 1, 1_000_000),
    maxRequestBytes: r.int("GRAPHQL_MAX_REQUEST_BYTES", 1_000_000, 1_000),
    graphiql: r.bool("GRAPHIQL", nodeEnv === "development"),
    explain: r.raw("GRAPHQL_EXPLAIN") === "1",
  };
  if (g.defaultPageSize > g.maxPageSize) {
    r.issue("GRAPHQL_DEFAULT_PAGE_SIZE", `GRAPHQL_DEFAULT_PAGE_SIZE (${g.defaultPageSize}) must not exceed GRAPHQL_MAX_PAGE_SIZE (${g.maxPageSize})`);
  }
  return g;
}

/** Replace the user (and password) of a postgres URL, keeping host, port, database and options. */
export function withCredentials(connectionString: string, user: string, password?: string): string {
  const u = new URL(connectionString);
  u.username = encodeURIComponent(user);
  u.password = password === undefined ? "" : encodeURIComponent(password);
  return u.toString();
}

/** Replace the database name of a postgres URL. */
export function withDatabase(connectionString: string, database: string): string {
  const u = new URL(connectionString);
  u.pathname = "/" + encodeURIComponent(database);
  return u.toString();
}
