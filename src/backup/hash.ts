// sha256 of files and streams (hex).
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";

export async function sha256Stream(stream: Readable): Promise<string> {
  const h = createHash("sha256");
  await pipeline(stream, h);
  return h.digest("hex");
}

export function sha256File(file: string): Promise<string> {
  return sha256Stream(createReadStream(file));
}

export function sha256Buffer(buf: Buffer): string {
  return createHash("sha256").update(buf).digest("hex");
}
