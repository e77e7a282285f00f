// Codecs turn cached values into bytes and back. JSON is the default; dateJsonCodec keeps Date objects (for
// repositories whose rows carry timestamptz as Date). A codec change is a shape change: bump the entity's
// schemaVersion so no process decodes bytes written by another codec.

export interface Codec {
  /** Short stable name, stored in each entry's header: an entry written by another codec is a miss. */
  readonly name: string;
  encode(value: unknown): Buffer;
  decode(bytes: Buffer): unknown;
}

export const jsonCodec: Codec = {
  name: "json",
  encode: (value) => Buffer.from(JSON.stringify(value), "utf8"),
  decode: (bytes) => JSON.parse(bytes.toString("utf8")),
};

const DATE_TAG = "$date";

/** JSON that round-trips Date objects (as {"$date": iso}). Slower than jsonCodec on decode. */
export const dateJsonCodec: Codec = {
  name: "json-date",
  encode(value) {
    return Buffer.from(JSON.stringify(value, function (this: Record<string, unknown>, key, v) {
      const raw = this[key];
      return raw instanceof Date ? { [DATE_TAG]: raw.toISOString() } : v;
    }), "utf8");
  },
  decode(bytes) {
    return JSON.parse(bytes.toString("utf8"), (_key, v) => {
      if (v && typeof v === "object" && !Array.isArray(v)) {
        const keys = Object.keys(v);
        if (keys.length === 1 && keys[0] === DATE_TAG && typeof v[DATE_TAG] === "string") return new Date(v[DATE_TAG]);
      }
      return v;
    });
  },
};
