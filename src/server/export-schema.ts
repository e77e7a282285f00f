// Writes the GraphQL schema (SDL, sorted) to schema.graphql so API changes show up in review as diffs.
// `npm run schema:export` (needs DATABASE_URL, or embedded PostgreSQL).
process.env.GRAPHILE_ENV ??= "development";
const { loadConfig } = await import("../config.ts");
const { createPools, resolveDatabases } = await import("../bootstrap.ts");
const { migrateUp, PROJECT_ROOT } = await import("../db/migrate.ts");
const { makePreset } = await import("./preset.ts");
const { postgraphile } = await import("postgraphile");
const { LiveHub } = await import("../live/index.ts");
const path = await import("node:path");

const config = loadConfig();
const dbs = await resolveDatabases(config);
await migrateUp(dbs.ownerUrl);
const pools = createPools(config, dbs);
const target = path.join(PROJECT_ROOT, "schema.graphql");
// A hub that is never started: the schema includes the subscriptions the server serves.
const live = new LiveHub({ pool: pools.owner, connectionString: dbs.ownerUrl });
const pgl = postgraphile(makePreset({ config, authPool: pools.auth, exportSchemaSDLPath: target, live }));
await pgl.getSchemaResult();
await pgl.release();
await pools.end();
if (dbs.embedded) await dbs.embedded.stop();
console.log(`wrote ${target}`);
process.exit(0);
