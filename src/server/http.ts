// The HTTP server: /graphql (+ /graphiql in development), /healthz, /readyz, and extra routes (e.g. /metrics).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type pg from "pg";
import { postgraphile, type PostGraphileInstance } from "postgraphile";
import { grafserv } from "postgraphile/grafserv/node";
import type { Config } from "../config.ts";
import { logger } from "../logger.ts";
import { AuthError, callerKeyFor, makeVerifier, pgSettingsFor } from "./jwt.ts";
import { makePreset, PG_SETTINGS, REQUEST_INFO, type RequestWithSettings } from "./preset.ts";
import { RateLimitedError } from "./budget.ts";
import { CallerLimiter } from "./ratelimit.ts";
import { LiveHub } from "../live/index.ts";

export type Route = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

export interface HttpApp {
  server: Server;
  pgl: PostGraphileInstance;
  /** The process's live hub (subscriptions), when the live API is enabled. */
  live: LiveHub | null;
  listen(port: number, host: string): Promise<{ port: number; url: string }>;
  /** Stops accepting connections, lets in-flight requests finish, then releases PostGraphile. */
  close(): Promise<void>;
}

export interface HttpAppOptions {
  config: Readonly<Config>;
  authPool: pg.Pool;
  /** Used by /readyz: must answer `select 1`. */
  ownerPool: pg.Pool;
  routes?: Record<string, Route>;
  exportSchemaSDLPath?: string;
  /** A live hub to use; by default one is started on ownerPool when config.live.enabled. false: none. */
  live?: LiveHub | false;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export async function createHttpApp(opts: HttpAppOptions): Promise<HttpApp> {
  let live: LiveHub | null = opts.live === false ? null : opts.live ?? null;
  const ownLive = opts.live === undefined && opts.config.live.enabled;
  if (ownLive) {
    const connectionString = (opts.ownerPool as unknown as { options: { connectionString?: string } }).options.connectionString;
    if (connectionString) {
      const c = opts.config.live;
      live = new LiveHub({ pool: opts.ownerPool, connectionString, pollMs: c.pollMs, minReadIntervalMs: c.readIntervalMs, bufferSize: c.bufferSize,
        maxSubscribers: c.maxSubscribers, membershipRecheckMs: c.membershipRecheckMs });
      await live.start();
    }
  }
  const preset = makePreset({ config: opts.config, authPool: opts.authPool, exportSchemaSDLPath: opts.exportSchemaSDLPath, ...(live ? { live } : {}) });
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const graphqlHandler = serv.createHandler();
  const upgradeHandler = live ? await serv.getUpgradeHandler() : null;
  const verifier = makeVerifier(opts.config.jwt);
  const g = opts.config.graphql;
  const limiter = new CallerLimiter({ maxConcurrent: g.callerMaxConcurrent, ratePerSec: g.callerRatePerSec, burst: g.callerBurst });
  let shuttingDown = false;

  const routes: Record<string, Route> = {
    "/healthz": (_req, res) => json(res, 200, { status: "ok" }),
    "/readyz": async (_req, res) => {
      if (shuttingDown) return json(res, 503, { status: "shutting down" });
      try {
        await opts.ownerPool.query("select 1");
        await pgl.getSchemaResult();
        json(res, 200, { status: "ready" });
      } catch (e) {
        json(res, 503, { status: "not ready", error: (e as Error).message });
      }
    },
    ...opts.routes,
  };

  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const route = routes[path];
    if (route) {
      Promise.resolve(route(req, res)).catch((e) => {
        logger.error({ err: e, path }, "route failed");
        if (!res.headersSent) json(res, 500, { error: "internal error" });
      });
      return;
    }
    if (path === "/graphql") {
      pgSettingsFor(verifier, req.headers.authorization)
        .then((settings) => {
          // per-caller limits (user id, or IP for anonymous callers) before any GraphQL work
          const callerKey = callerKeyFor(settings, req.socket.remoteAddress);
          const release = limiter.admit(callerKey);
          res.once("close", release);
          (req as RequestWithSettings)[PG_SETTINGS] = settings;
          (req as RequestWithSettings)[REQUEST_INFO] = { callerKey };
          graphqlHandler(req, res);
        })
        .catch((e) => {
          if (res.headersSent) return void logger.error({ err: e }, "graphql request failed after its answer started");
          if (e instanceof AuthError) {
            return json(res, 401, { errors: [{ message: e.message, extensions: { code: "UNAUTHENTICATED" } }] });
          }
          if (e instanceof RateLimitedError) {
            res.setHeader("retry-after", String(e.retryAfterS));
            req.resume();
            return json(res, 429, { errors: [{ message: e.message, extensions: { code: "RATE_LIMITED", retryAfterS: e.retryAfterS } }] });
          }
          logger.error({ err: e }, "auth failed");
          json(res, 500, { errors: [{ message: "internal error" }] });
        });
      return;
    }
    graphqlHandler(req, res); // grafserv serves /graphiql and its assets, and 404s the rest
  });
  server.keepAliveTimeout = 5_000;
  // WebSocket connections (subscriptions) leave the HTTP server's connection tracking: keep them to end on close.
  const sockets = new Set<import("node:stream").Duplex>();
  if (upgradeHandler) {
    server.on("upgrade", (req, socket, head) => {
      if (!serv.shouldHandleUpgrade(req, socket, head) || shuttingDown) { socket.destroy(); return; }
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      upgradeHandler(req, socket, head);
    });
  }

  return {
    server,
    pgl,
    live,
    listen(port, host) {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          const addr = server.address();
          const p = typeof addr === "object" && addr ? addr.port : port;
          resolve({ port: p, url: `http://${host}:${p}` });
        });
      });
    },
    async close() {
      shuttingDown = true;
      const closed = new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      // Subscriptions end (their clients resume elsewhere with their cursors), then their sockets close.
      if (ownLive) await live?.stop();
      for (const s of sockets) s.destroy();
      await closed;
      await serv.release(); // also releases the PostGraphile instance
    },
  };
}
