// /metrics: the route for the main HTTP server, and a small standalone listener for processes without one
// (the worker: METRICS_PORT, default 9464).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { logger } from "../logger.ts";
import { METRICS_CONTENT_TYPE, metricsText } from "./registry.ts";

export async function metricsRoute(_req: IncomingMessage, res: ServerResponse): Promise<void> {
  const text = await metricsText();
  res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE, "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export interface MetricsServer { server: Server; port: number; url: string; close(): Promise<void> }

/** Serves GET /metrics (and /healthz) on its own port. */
export async function startMetricsServer(port: number, host: string): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (path === "/metrics") {
      metricsRoute(req, res).catch((e: unknown) => {
        logger.error({ err: e }, "metrics scrape failed");
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"status":"ok"}');
      return;
    }
    res.writeHead(404);
    res.end();
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const actual = typeof addr === "object" && addr ? addr.port : port;
  return {
    server, port: actual, url: `http://${host}:${actual}`,
    close: () => new Promise<void>((resolve) => { server.close(() => resolve()); server.closeIdleConnections(); }),
  };
}
