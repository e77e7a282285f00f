// `npm run bench -- <name>` runs bench/<name>.ts; `npm run bench -- --list` lists them.
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const dir = path.dirname(fileURLToPath(import.meta.url));
const names = (await readdir(dir)).filter((f) => f.endsWith(".ts") && !["run.ts", "lib.ts"].includes(f)).map((f) => f.slice(0, -3)).sort();
const name = process.argv[2];
if (!name || name === "--list" || !names.includes(name)) {
  console.log(`usage: npm run bench -- <name>\navailable: ${names.join(", ")}`);
  process.exit(name && name !== "--list" ? 1 : 0);
}
process.env.LOG_LEVEL ??= "warn";
const mod = (await import(pathToFileURL(path.join(dir, `${name}.ts`)).href)) as { default: () => Promise<void> };
await mod.default();
process.exit(0);
