// Cluster-wide roles, created idempotently before migrating (graphile-migrate does not manage roles).
//   linkflow_owner          owns the database, runs migrations and SECURITY DEFINER functions
//   linkflow_authenticator  LOGIN NOINHERIT: PostGraphile connects as it and SET ROLEs per request
//   linkflow_visitor        NOLOGIN: the target of every GRANT and policy (a signed-in user)
//   linkflow_anonymous      NOLOGIN: requests without a token; no data access
import pg from "pg";

export const ROLES = {
  owner: "linkflow_owner",
  authenticator: "linkflow_authenticator",
  visitor: "linkflow_visitor",
  anonymous: "linkflow_anonymous",
} as const;

export interface RoleOptions {
  ownerPassword: string;
  authenticatorPassword: string;
  /** Timeouts applied to application logins (role-level defaults). */
  statementTimeout?: string;
  idleInTransactionTimeout?: string;
}

/** Creates or updates the roles; safe to run concurrently and repeatedly (a superuser connection). */
export async function ensureRoles(rootUrl: string, opts: RoleOptions): Promise<void> {
  const client = new pg.Client({ connectionString: rootUrl });
  await client.connect();
  try {
    // Serialise concurrent callers (parallel test runs) on one cluster-wide advisory lock.
    await client.query("select pg_advisory_lock(hashtext('linkflow:ensure_roles'))");
    const ensure = async (name: string, attrs: string) => {
      const { rowCount } = await client.query("select 1 from pg_roles where rolname = $1", [name]);
      if (!rowCount) await client.query(`create role ${name} ${attrs}`);
      else await client.query(`alter role ${name} ${attrs}`);
    };
    const lit = (s: string) => client.escapeLiteral(s);
    await ensure(ROLES.owner, `login password ${lit(opts.ownerPassword)}`);
    await ensure(ROLES.authenticator, `login noinherit password ${lit(opts.authenticatorPassword)}`);
    await ensure(ROLES.visitor, "nologin");
    await ensure(ROLES.anonymous, "nologin");
    await client.query(`grant ${ROLES.visitor}, ${ROLES.anonymous} to ${ROLES.authenticator}`);
    // The owner may SET ROLE to the visitor too (tests and repositories acting for a user).
    await client.query(`grant ${ROLES.visitor}, ${ROLES.anonymous} to ${ROLES.owner}`);
    // The statistics collector (src/monitoring) runs as the owner: pg_monitor lets it see every session's state,
    // replication lag and other roles' pg_stat_statements text.
    await client.query(`grant pg_monitor to ${ROLES.owner}`);
    const st = opts.statementTimeout ?? "30s";
    const idle = opts.idleInTransactionTimeout ?? "60s";
    await client.query(`alter role ${ROLES.authenticator} set statement_timeout = ${lit(st)}`);
    await client.query(`alter role ${ROLES.authenticator} set idle_in_transaction_session_timeout = ${lit(idle)}`);
    // The owner runs migrations, backups and archival: no statement timeout, but never idle in a transaction
    // (an idle writer holds back the event store's readers).
    await client.query(`alter role ${ROLES.owner} set idle_in_transaction_session_timeout = ${lit(idle)}`);
    await client.query("select pg_advisory_unlock(hashtext('linkflow:ensure_roles'))");
  } finally {
    await client.end();
  }
}

/** Creates the database owned by the owner role when it is missing (superuser connection). */
export async function ensureDatabase(rootUrl: string, database: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: rootUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("select 1 from pg_database where datname = $1", [database]);
    if (rowCount) return false;
    await client.query(`create database ${client.escapeIdentifier(database)} owner ${ROLES.owner}`);
    return true;
  } finally {
    await client.end();
  }
}
