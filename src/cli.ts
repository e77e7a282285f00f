// Entry point: `node src/cli.ts <command>` (npm scripts wrap it and run it on the pinned Node 24).
//   start      migrate, then serve GraphQL and run the worker in one process (embedded PostgreSQL without DATABASE_URL)
//   server     serve GraphQL only            worker     run the worker only
//   roles      create/update roles (needs ROOT_DATABASE_URL, or embedded)
//   migrate    apply committed migrations    rollback [--to N]   run down scripts, newest first
// Grafast reads GRAPHILE_ENV when it is first imported, so set it before loading anything else.
process.env.GRAPHILE_ENV ??= process.env.NODE_ENV === "production" ? "production" : "development";
const { runCli } = await import("./commands.ts");
runCli(process.argv.slice(2));
