// Configuration: parsed and validated once, at start. Every module reads the frozen result of loadConfig().
import { ConfigError } from "./errors.ts";

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
  /** How long the first call of a batch waits for company, ms (EXECUTIONS_GROUP_COMMIT_WINDOW_MS, default 2; 0: the next event-loop turn). */
  windowMs: number;
  /** Calls per batch; a full batch leaves at once (EXECUTIONS_GROUP_COMMIT_MAX_BATCH, default 64). */
  maxBatch: number;
  /** Batches in flight at once, each on its own connection (EXECUTIONS_GROUP_COMMIT_MAX_IN_FLIGHT, default 4). */
  maxInFlight: number;
}

export const DEFAULT_GROUP_COMMIT: Readonly<GroupCommitSettings> = Object.freeze({ enabled: true, windowMs: 2, maxBatch: 64, maxInFlight: 4 });

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
  live: { enabled: boolean; pollMs: number; bufferSize: number; maxSocketBufferBytes: number; maxSubscribers: number; membershipRecheckMs: number; consistencyTimeoutMs: number };
  workerConcurrency: number;
  executions: { groupCommit: Readonly<GroupCommitSettings> };
  embeddedDataDir: string;
  embeddedPort: number;
  logLevel: string;
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
}

export type Env = Record<string, string | undefined>;

/** An integer setting from the environment: the default when unset, a ConfigError when out of range. */
export function envInt(env: Env, name: string, def: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got ${JSON.stringify(raw)}`);
  }
  return n;
}

function url(env: Env, name: string): string | null {
  const raw = env[name];
  if (!raw) return null;
  try {
    const u = new URL(raw);
    if (!/^(postgres|postgresql|redis|rediss):$/.test(u.protocol)) throw new Error("bad protocol");
  } catch {
    throw new ConfigError(`${name} is not a valid postgres:// or redis:// URL`);
  }
  return raw;
}

function bool(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return def;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be a boolean (true/false), got ${JSON.stringify(raw)}`);
}

/** The executions group-commit settings (part of loadConfig; exported for tools that need only these). */
export function groupCommitSettings(env: Env = process.env): Readonly<GroupCommitSettings> {
  const d = DEFAULT_GROUP_COMMIT;
  return Object.freeze({
    enabled: bool(env, "EXECUTIONS_GROUP_COMMIT", d.enabled),
    windowMs: envInt(env, "EXECUTIONS_GROUP_COMMIT_WINDOW_MS", d.windowMs, 0, 1000),
    maxBatch: envInt(env, "EXECUTIONS_GROUP_COMMIT_MAX_BATCH", d.maxBatch, 1, 10_000),
    maxInFlight: envInt(env, "EXECUTIONS_GROUP_COMMIT_MAX_IN_FLIGHT", d.maxInFlight, 1, 64),
  });
}

export function loadConfig(env: Env = process.env): Readonly<Config> {
  const nodeEnv = (env.NODE_ENV ?? "development") as Config["nodeEnv"];
  if (!["development", "production", "test"].includes(nodeEnv)) {
    throw new ConfigError(`NODE_ENV must be development, production or test`);
  }
  const secret = env.JWT_SECRET || null;
  const publicKey = env.JWT_PUBLIC_KEY || null;
  if (nodeEnv === "production" && !secret && !publicKey) {
    throw new ConfigError("JWT_SECRET (HS256) or JWT_PUBLIC_KEY (RS256) is required in production");
  }
  if (secret && secret.length < 32) throw new ConfigError("JWT_SECRET must be at least 32 characters");
  const cfg: Config = {
    nodeEnv,
    databaseUrl: url(env, "DATABASE_URL"),
    rootDatabaseUrl: url(env, "ROOT_DATABASE_URL"),
    authDatabaseUrl: url(env, "AUTH_DATABASE_URL"),
    replicaUrls: (env.REPLICA_DATABASE_URLS ?? "").split(",").map((s) => s.trim()).filter(Boolean).map((u, i) => {
      return url({ [`REPLICA_DATABASE_URLS[${i}]`]: u }, `REPLICA_DATABASE_URLS[${i}]`)!;
    }),
    ownerPassword: env.DATABASE_OWNER_PASSWORD ?? "linkflow_owner",
    authenticatorPassword: env.DATABASE_AUTHENTICATOR_PASSWORD ?? "linkflow_authenticator",
    redisUrl: url(env, "REDIS_URL"),
    host: env.HOST ?? "127.0.0.1",
    port: envInt(env, "PORT", 5678, 0, 65535),
    jwt: {
      secret: secret ?? (nodeEnv === "production" || publicKey ? null : "linkflow-development-secret-change-me-please"),
      publicKey,
      issuer: env.JWT_ISSUER || null,
      audience: env.JWT_AUDIENCE || null,
      clockSkewS: envInt(env, "JWT_CLOCK_SKEW_S", 30, 0, 3_600),
    },
    graphql: graphqlSettings(env, nodeEnv),
    pool: {
      max: envInt(env, "PG_POOL_MAX", 10, 1, 1000),
      idleTimeoutMs: envInt(env, "PG_POOL_IDLE_TIMEOUT_MS", 30_000, 0),
      connectionTimeoutMs: envInt(env, "PG_POOL_CONNECTION_TIMEOUT_MS", 5_000, 0),
      statementTimeoutMs: envInt(env, "PG_STATEMENT_TIMEOUT_MS", 30_000, 0),
      applicationName: env.PG_APPLICATION_NAME ?? "linkflow-data",
    },
    live: {
      enabled: bool(env, "LIVE_ENABLED", true),
      pollMs: envInt(env, "LIVE_POLL_MS", 50, 5, 60_000),
      bufferSize: envInt(env, "LIVE_SUBSCRIBER_BUFFER", 1_000, 1, 1_000_000),
      maxSocketBufferBytes: envInt(env, "LIVE_MAX_SOCKET_BUFFER_BYTES", 1_048_576, 1_024),
      maxSubscribers: envInt(env, "LIVE_MAX_SUBSCRIBERS", 10_000, 1),
      membershipRecheckMs: envInt(env, "LIVE_MEMBERSHIP_RECHECK_MS", 30_000, 100),
      consistencyTimeoutMs: envInt(env, "CONSISTENCY_TIMEOUT_MS", 5_000, 0, 600_000),
    },
    workerConcurrency: envInt(env, "WORKER_CONCURRENCY", 4, 1, 100),
    executions: { groupCommit: groupCommitSettings(env) },
    embeddedDataDir: env.EMBEDDED_PG_DIR ?? ".data/postgres",
    embeddedPort: envInt(env, "EMBEDDED_PG_PORT", 54329, 1, 65535),
    logLevel: env.LOG_LEVEL ?? (nodeEnv === "test" ? "warn" : "info"),
  };
  return Object.freeze(cfg);
}

function graphqlSettings(env: Env, nodeEnv: Config["nodeEnv"]): GraphQLSettings {
  const maxPageSize = envInt(env, "GRAPHQL_MAX_PAGE_SIZE", 100, 1, 10_000);
  const g: GraphQLSettings = {
    maxPageSize,
    defaultPageSize: envInt(env, "GRAPHQL_DEFAULT_PAGE_SIZE", Math.min(50, maxPageSize), 1, 10_000),
    maxDepth: envInt(env, "GRAPHQL_MAX_DEPTH", 10, 2, 100),
    maxCost: envInt(env, "GRAPHQL_MAX_COST", 50_000, 1),
    maxAliases: envInt(env, "GRAPHQL_MAX_ALIASES", 100, 0, 100_000),
    maxFields: envInt(env, "GRAPHQL_MAX_FIELDS", 1_000, 1, 1_000_000),
    maxCompositeFields: envInt(env, "GRAPHQL_MAX_COMPOSITE_FIELDS", 50, 1, 1_000_000),
    maxOperations: envInt(env, "GRAPHQL_MAX_OPERATIONS", 10, 1, 1_000),
    maxTokens: envInt(env, "GRAPHQL_MAX_TOKENS", 10_000, 100, 10_000_000),
    maxNesting: envInt(env, "GRAPHQL_MAX_NESTING", 50, 5, 1_000),
    introspection: bool(env, "GRAPHQL_INTROSPECTION", nodeEnv !== "production"),
    maxIntrospectionRoots: envInt(env, "GRAPHQL_MAX_INTROSPECTION_ROOTS", 2, 0, 100),
    maxIntrospectionDepth: envInt(env, "GRAPHQL_MAX_INTROSPECTION_DEPTH", 20, 2, 100),
    introspectionCost: envInt(env, "GRAPHQL_INTROSPECTION_COST", 5_000, 0),
    maxVariableDepth: envInt(env, "GRAPHQL_MAX_VARIABLE_DEPTH", 64, 1, 1_000),
    statementTimeoutMs: envInt(env, "GRAPHQL_STATEMENT_TIMEOUT_MS", 5_000, 1),
    requestTimeoutMs: envInt(env, "GRAPHQL_REQUEST_TIMEOUT_MS", 10_000, 1),
    planningTimeoutMs: envInt(env, "GRAPHQL_PLANNING_TIMEOUT_MS", 500, 1),
    requestDbConcurrency: envInt(env, "GRAPHQL_REQUEST_DB_CONCURRENCY", 2, 1, 1_000),
    callerDbConcurrency: envInt(env, "GRAPHQL_CALLER_DB_CONCURRENCY", 3, 1, 1_000),
    callerMaxConcurrent: envInt(env, "GRAPHQL_CALLER_MAX_CONCURRENT", 16, 1, 100_000),
    callerRatePerSec: envInt(env, "GRAPHQL_CALLER_RATE_PER_SEC", 100, 1, 1_000_000),
    callerBurst: envInt(env, "GRAPHQL_CALLER_BURST", 200, 1, 1_000_000),
    maxRequestBytes: envInt(env, "GRAPHQL_MAX_REQUEST_BYTES", 1_000_000, 1_000),
    graphiql: bool(env, "GRAPHIQL", nodeEnv === "development"),
  };
  if (g.defaultPageSize > g.maxPageSize) {
    throw new ConfigError(`GRAPHQL_DEFAULT_PAGE_SIZE (${g.defaultPageSize}) must not exceed GRAPHQL_MAX_PAGE_SIZE (${g.maxPageSize})`);
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
