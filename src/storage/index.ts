// Object storage (infrastructure): the filesystem or an S3-compatible service behind one interface.
export { checkKey, StorageNotFoundError, type ObjectInfo, type PutOptions, type Storage } from "./storage.ts";
export { FileSystemStorage } from "./fs.ts";
export { S3Storage, s3StorageFor, type S3StorageOptions } from "./s3.ts";
