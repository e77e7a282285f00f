// Filesystem storage: objects are files under a root directory; writes go to a temp file then rename, so a
// crash never leaves a half-written object under its final key. sha256 is kept in a sidecar "<key>.sha256".
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { checkKey, StorageNotFoundError, type ObjectInfo, type PutOptions, type Storage } from "./storage.ts";

const SIDE = ".sha256";

async function sha256File(file: string): Promise<string> {
  const h = createHash("sha256");
  await pipeline(createReadStream(file), h);
  return h.digest("hex");
}

export class FileSystemStorage implements Storage {
  readonly name: string;
  readonly root: string;
  constructor(root: string) {
    this.root = path.resolve(root);
    this.name = `fs:${this.root}`;
  }

  private file(key: string): string { return path.join(this.root, checkKey(key)); }

  async put(key: string, body: Buffer, opts: PutOptions = {}): Promise<ObjectInfo> {
    const sha = createHash("sha256").update(body).digest("hex");
    if (opts.sha256 && opts.sha256 !== sha) throw new Error(`checksum mismatch writing ${key}`);
    const target = this.file(key);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(tmp, body);
    await writeFile(target + SIDE, sha);
    await rename(tmp, target);
    return { key, size: body.length, sha256: sha, lastModified: new Date() };
  }

  async putFile(key: string, filePath: string, opts: PutOptions = {}): Promise<ObjectInfo> {
    const sha = await sha256File(filePath);
    if (opts.sha256 && opts.sha256 !== sha) throw new Error(`checksum mismatch writing ${key}`);
    const target = this.file(key);
    await mkdir(path.dirname(target), { recursive: true });
    const tmp = `${target}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await copyFile(filePath, tmp);
    await writeFile(target + SIDE, sha);
    await rename(tmp, target);
    const st = await stat(target);
    return { key, size: st.size, sha256: sha, lastModified: st.mtime };
  }

  async get(key: string): Promise<Buffer> {
    try { return await readFile(this.file(key)); } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") throw new StorageNotFoundError(key);
      throw e;
    }
  }

  async getStream(key: string): Promise<Readable> {
    if (!(await this.head(key))) throw new StorageNotFoundError(key);
    return createReadStream(this.file(key));
  }

  async getToFile(key: string, filePath: string): Promise<void> {
    if (!(await this.head(key))) throw new StorageNotFoundError(key);
    await pipeline(createReadStream(this.file(key)), createWriteStream(filePath));
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const st = await stat(this.file(key));
      const sha = await readFile(this.file(key) + SIDE, "utf8").catch(() => undefined);
      return { key, size: st.size, sha256: sha?.trim(), lastModified: st.mtime };
    } catch (e) {
      if ((e as { code?: string }).code === "ENOENT") return null;
      throw e;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    const walk = async (dir: string, rel: string) => {
      let entries;
      try { entries = await readdir(dir, { withFileTypes: true }); } catch { return; }
      for (const e of entries) {
        const k = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) await walk(path.join(dir, e.name), k);
        else if (!e.name.endsWith(SIDE) && !e.name.includes(".tmp-") && k.startsWith(prefix)) {
          const info = await this.head(k);
          if (info) out.push(info);
        }
      }
    };
    await walk(this.root, "");
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await rm(this.file(key), { force: true });
    await rm(this.file(key) + SIDE, { force: true });
  }
}
