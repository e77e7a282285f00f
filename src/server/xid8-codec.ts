// A codec for PostgreSQL's xid8 (64-bit transaction ids, the event store's `transaction_id`). PostGraphile 5
// ships no xid8 codec, so introspecting app_public.events used to print a long "Could not build PgCodec for
// 'pg_catalog.xid8'" object dump at every start. The column is not part of the API (`@behavior -*`); giving
// the type a codec (text on the wire: a decimal string, as PostgreSQL prints it) keeps the start quiet and
// would expose it as a String if it ever were.
import { domainOfCodec, TYPES } from "postgraphile/@dataplan/pg";
import { sql } from "postgraphile/pg-sql2";

const xid8Codec = domainOfCodec(TYPES.text, "xid8", sql`pg_catalog.xid8`, { description: "A 64-bit transaction id (xid8), as a decimal string." });

export const Xid8CodecPlugin: GraphileConfig.Plugin = {
  name: "LinkFlowXid8CodecPlugin",
  version: "1.0.0",
  after: ["PgCodecsPlugin"],
  gather: {
    hooks: {
      async pgCodecs_findPgCodec(info, event) {
        if (event.pgCodec || event.pgType.typname !== "xid8") return;
        const pgCatalog = await info.helpers.pgIntrospection.getNamespaceByName(event.serviceName, "pg_catalog");
        if (pgCatalog && event.pgType.typnamespace === pgCatalog._id) event.pgCodec = xid8Codec;
      },
    },
  },
};
