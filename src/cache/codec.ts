// Codecs turn cached values into bytes and back. JSON is the default; dateJsonCodec keeps Date objects (for
// repositories whose rows carry timestamptz as Date). A codec change is a shape change: bump the entity's
// schemaVersion so no process decodes bytes written by another codec.
import zlib from "node:zlib";

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

/**
 * Wraps a codec with zstd compression (Node >= 23.8 has zstd in node:zlib) for values larger than
 * `minBytes`: large entries (a 200-node workflow is ~140 KiB of JSON, ~20 KiB compressed) cost less Redis
 * memory and network transfer. One flag byte tells compressed from plain bodies.
 */
export function zstdCodec(inner: Codec = jsonCodec, opts: { minBytes?: number; level?: number } = {}): Codec {
  const minBytes = opts.minBytes ?? 8 * 1024;
  const level = opts.level ?? 3;
  return {
    name: `zstd+${inner.name}`,
    encode(value) {
      const plain = inner.encode(value);
      if (plain.length < minBytes) return Buffer.concat([Buffer.from([0]), plain]);
      const packed = zlib.zstdCompressSync(plain, { params: { [zlib.constants.ZSTD_c_compressionLevel]: level } });
      return Buffer.concat([Buffer.from([1]), packed]);
    },
    decode(bytes) {
      const body = bytes.subarray(1);
      return inner.decode(bytes[0] === 1 ? zlib.zstdDecompressSync(body) : body);
    },
  };
}
