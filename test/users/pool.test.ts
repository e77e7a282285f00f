import { describe, expect, it } from "vitest";
import pg from "pg";
import { createPools } from "../../src/bootstrap.ts";
import { createPool, poolLabel } from "../../src/db/pool.ts";
import { withTransaction } from "../../src/db/transaction.ts";
import { LinkFlowError } from "../../src/errors.ts";
import { rejection } from "./helpers.ts";
import { useTestDatabase } from "../harness/db.ts";
import { testConfig } from "../harness/graphql.ts";

const db = useTestDatabase();

describe("users: connection pools", () => {
  it("an idle client killed by the server (pg_terminate_backend) never crashes the process; the pool recovers", async () => {
    const pool = createPool(db.ownerUrl, { max: 2, idleTimeoutMs: 60_000, connectionTimeoutMs: 5_000, statementTimeoutMs: 5_000, applicationName: "lf-idle-test" }, "idle-test");
    try {
      const pid = (await pool.query("select pg_backend_pid() as pid")).rows[0].pid;
      expect(pool.idleCount).toBe(1);
      const errored = new Promise<Error>((resolve) => pool.once("error", resolve));
      const uncaught: unknown[] = [];
      const onUncaught = (e: unknown) => uncaught.push(e);
      process.on("uncaughtException", onUncaught);
      try {
        const killed = await db.pool.query("select pg_terminate_backend($1) as ok", [pid]);
        expect(killed.rows[0].ok).toBe(true);
        const err = await errored; // the pool's handler logged it; nothing else happened
        expect(err.message).toMatch(/terminat/i);
      } finally {
        process.off("uncaughtException", onUncaught);
      }
      expect(uncaught).toEqual([]);
      const again = await pool.query("select pg_backend_pid() as pid");
      expect(again.rows[0].pid).not.toBe(pid);
    } finally {
      await pool.end();
    }
  });

  it("a client checked out by withTransaction whose backend dies between queries fails the call, not the process", async () => {
    const pool = createPool(db.ownerUrl, { max: 2, idleTimeoutMs: 60_000, connectionTimeoutMs: 5_000, statementTimeoutMs: 5_000, applicationName: "lf-busy-test" }, "busy-test");
    const uncaught: unknown[] = [];
    const onUncaught = (e: unknown) => uncaught.push(e);
    process.on("uncaughtException", onUncaught);
    try {
      const e = await rejection(withTransaction(pool, async (c) => {
        const pid = (await c.query("select pg_backend_pid() as pid")).rows[0].pid;
        await db.pool.query("select pg_terminate_backend($1)", [pid]);
        await new Promise((r) => setTimeout(r, 200)); // the FATAL arrives while the client is idle in the transaction
        await c.query("select 1");
      }));
      expect(e).toBeInstanceOf(LinkFlowError);
      expect(uncaught).toEqual([]);
      expect((await pool.query("select 1 as x")).rows[0].x).toBe(1);
    } finally {
      process.off("uncaughtException", onUncaught);
      await pool.end();
    }
  });

  it("creates one pool per role, configured from the environment", async () => {
    const config = testConfig({
      DATABASE_URL: db.ownerUrl, PG_POOL_MAX: "3", PG_POOL_IDLE_TIMEOUT_MS: "1234", PG_POOL_CONNECTION_TIMEOUT_MS: "2345",
      PG_STATEMENT_TIMEOUT_MS: "4567", PG_APPLICATION_NAME: "lf-pools-test", REPLICA_DATABASE_URLS: db.ownerUrl,
    });
    const pools = createPools(config, { ownerUrl: db.ownerUrl, authUrl: db.authUrl, rootUrl: null, embedded: null });
    try {
      expect([pools.owner, pools.auth, ...pools.replicas].map(poolLabel)).toEqual(["primary", "authenticator", "replica0"]);
      const opts = (pools.owner as pg.Pool & { options: { max: number; idleTimeoutMillis: number; connectionTimeoutMillis: number } }).options;
      expect([opts.max, opts.idleTimeoutMillis, opts.connectionTimeoutMillis]).toEqual([3, 1234, 2345]);
      const owner = (await pools.owner.query("select current_user as u, current_setting('application_name') as app, current_setting('statement_timeout') as st")).rows[0];
      expect(owner).toEqual({ u: "linkflow_owner", app: "lf-pools-test:primary", st: "4567ms" });
      // The authenticator keeps its role-level statement_timeout; GraphQL sets a per-request one.
      const auth = (await pools.auth.query("select current_user as u, current_setting('application_name') as app, current_setting('statement_timeout') as st")).rows[0];
      expect(auth.u).toBe("linkflow_authenticator");
      expect(auth.app).toBe("lf-pools-test:authenticator");
      expect(auth.st).toBe("30s");
    } finally {
      await pools.end();
    }
  });
});
