// S3-compatible storage (AWS S3, MinIO, Ceph, fauxqs...): custom endpoint, path-style addressing, and no
// default CRC32 checksums (some S3-compatible servers reject them). The content's sha256 travels as object
// metadata (x-amz-meta-sha256) and is checked on put.
import { readFile, writeFile } from "node:fs/promises";
import type { Readable } from "node:stream";
import {
  CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand,
  ListObjectsV2Command, PutObjectCommand, S3Client,
} from "@aws-sdk/client-s3";
import { createHash } from "node:crypto";
import type { S3Settings } from "../config.ts";
import { checkKey, StorageNotFoundError, type ObjectInfo, type PutOptions, type Storage } from "./storage.ts";

export interface S3StorageOptions {
  bucket: string;
  /** Key prefix inside the bucket (no leading/trailing slash), e.g. "archive". */
  prefix?: string;
  endpoint?: string | null;
  region?: string;
  forcePathStyle?: boolean;
  credentials?: { accessKeyId: string; secretAccessKey: string } | null;
  /** Use an existing client instead of building one. */
  client?: S3Client;
}

const isNotFound = (e: unknown) => {
  const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
  return err.name === "NoSuchKey" || err.name === "NotFound" || err.$metadata?.httpStatusCode === 404;
};

export class S3Storage implements Storage {
  readonly name: string;
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  constructor(opts: S3StorageOptions) {
    this.bucket = opts.bucket;
    this.prefix = (opts.prefix ?? "").replace(/^\/+|\/+$/g, "");
    this.name = `s3:${this.bucket}${this.prefix ? "/" + this.prefix : ""}`;
    this.client = opts.client ?? new S3Client({
      region: opts.region ?? "us-east-1",
      ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
      forcePathStyle: opts.forcePathStyle ?? true,
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
      ...(opts.credentials ? { credentials: opts.credentials } : {}),
    });
  }

  private full(key: string): string { return this.prefix ? `${this.prefix}/${checkKey(key)}` : checkKey(key); }
  private rel(full: string): string { return this.prefix ? full.slice(this.prefix.length + 1) : full; }

  /** Creates the bucket when missing (deployments usually create it themselves). */
  async ensureBucket(): Promise<void> {
    try { await this.client.send(new HeadBucketCommand({ Bucket: this.bucket })); } catch (e) {
      if (!isNotFound(e)) throw e;
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  async put(key: string, body: Buffer, opts: PutOptions = {}): Promise<ObjectInfo> {
    const sha = createHash("sha256").update(body).digest("hex");
    if (opts.sha256 && opts.sha256 !== sha) throw new Error(`checksum mismatch writing ${key}`);
    await this.client.send(new PutObjectCommand({
      Bucket: this.bucket, Key: this.full(key), Body: body, ContentLength: body.length,
      ContentType: opts.contentType ?? "application/octet-stream", Metadata: { sha256: sha },
    }));
    return { key, size: body.length, sha256: sha, lastModified: new Date() };
  }

  async putFile(key: string, filePath: string, opts: PutOptions = {}): Promise<ObjectInfo> {
    return this.put(key, await readFile(filePath), opts);
  }

  async get(key: string): Promise<Buffer> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
      return Buffer.from(await out.Body!.transformToByteArray());
    } catch (e) {
      if (isNotFound(e)) throw new StorageNotFoundError(key);
      throw e;
    }
  }

  async getStream(key: string): Promise<Readable> {
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
      return out.Body as Readable;
    } catch (e) {
      if (isNotFound(e)) throw new StorageNotFoundError(key);
      throw e;
    }
  }

  async getToFile(key: string, filePath: string): Promise<void> {
    await writeFile(filePath, await this.get(key));
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
      return { key, size: Number(out.ContentLength ?? 0), sha256: out.Metadata?.sha256, lastModified: out.LastModified ?? new Date(0) };
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async list(prefix: string): Promise<ObjectInfo[]> {
    const out: ObjectInfo[] = [];
    let token: string | undefined;
    const full = this.prefix ? `${this.prefix}/${prefix}` : prefix;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: full, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        out.push({ key: this.rel(o.Key), size: Number(o.Size ?? 0), lastModified: o.LastModified ?? new Date(0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.full(key) }));
  }
}

/** The S3Storage of a settings section (S3_*): the one place S3 settings become a client. */
export function s3StorageFor(s: Readonly<S3Settings>): S3Storage {
  return new S3Storage({
    bucket: s.bucket, prefix: s.prefix, endpoint: s.endpoint, region: s.region, forcePathStyle: s.forcePathStyle,
    credentials: s.accessKeyId && s.secretAccessKey ? { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey } : null,
  });
}
