// Dependencies point one way (docs/library.md, "Layout and dependencies"):
//  - infrastructure (src/config.ts, src/errors.ts, src/logger.ts, src/db/, src/storage/, src/embedded/) imports
//    no capability and no composition root;
//  - a capability (every other folder of src/) is reached from outside only through its index.ts;
//  - the composition root (src/bootstrap.ts, src/commands.ts, src/cli.ts) is imported only by entry points
//    (itself, src/<capability>/cli.ts, src/server/export-schema.ts).
// Every relative import, re-export, `import type` and dynamic import() of src/**/*.ts and tasks/*.ts is parsed
// with the TypeScript compiler, so a multi-line or type-only import is seen like any other.
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../src/db/migrate.ts";

type Tree = Map<string, string>; // repository-relative path (posix) -> source

const INFRASTRUCTURE_FILES = new Set(["src/config.ts", "src/errors.ts", "src/logger.ts"]);
const INFRASTRUCTURE_DIRS = new Set(["db", "storage", "embedded"]);
const ROOT_FILES = new Set(["src/bootstrap.ts", "src/commands.ts", "src/cli.ts"]);
const ENTRY_POINTS = /^src\/(bootstrap|commands|cli)\.ts$|^src\/[^/]+\/cli\.ts$|^src\/server\/export-schema\.ts$/;

function isInfrastructure(file: string): boolean {
  if (INFRASTRUCTURE_FILES.has(file)) return true;
  const [top, dir] = file.split("/");
  return top === "src" && dir !== undefined && INFRASTRUCTURE_DIRS.has(dir) && file.split("/").length > 2;
}

/** The capability a file belongs to (src/<capability>/...), or null (infrastructure, root files, tasks). */
function capabilityOf(file: string): string | null {
  const parts = file.split("/");
  if (parts[0] !== "src" || parts.length < 3 || isInfrastructure(file)) return null;
  return parts[1]!;
}

export function importsOf(file: string, source: string): string[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const specs: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      specs.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteralLike(arg)) specs.push(arg.text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      specs.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return specs.filter((s) => s.startsWith("."));
}

/** Every violation of the rules above in a tree of sources, as "importer -> imported: rule". */
export function dependencyViolations(tree: Tree): string[] {
  const out: string[] = [];
  for (const [file, source] of tree) {
    for (const spec of importsOf(file, source)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
      const edge = `${file} -> ${target}`;
      if (!tree.has(target)) {
        if (target.startsWith("src/") || target.startsWith("tasks/")) out.push(`${edge}: not a file of the tree (import the .ts file itself)`);
        continue;
      }
      if (isInfrastructure(file) && !isInfrastructure(target)) {
        out.push(`${edge}: infrastructure imports ${capabilityOf(target) ? `the capability ${capabilityOf(target)}` : "the composition root"}`);
        continue;
      }
      const cap = capabilityOf(target);
      if (cap && capabilityOf(file) !== cap && target !== `src/${cap}/index.ts`) {
        out.push(`${edge}: reaches into ${cap} past src/${cap}/index.ts`);
      }
      if (ROOT_FILES.has(target) && !ENTRY_POINTS.test(file)) out.push(`${edge}: only entry points import the composition root`);
    }
  }
  return out.sort();
}

function sourcesUnder(dir: string): Tree {
  const tree: Tree = new Map();
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(PROJECT_ROOT, rel), { withFileTypes: true })) {
      const child = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else if (e.name.endsWith(".ts")) tree.set(child, readFileSync(path.join(PROJECT_ROOT, child), "utf8"));
    }
  };
  walk(dir);
  return tree;
}

const project = (): Tree => new Map([...sourcesUnder("src"), ...sourcesUnder("tasks")]);

describe("the dependency direction of src/", () => {
  it("every capability folder has an index.ts", () => {
    const caps = new Set([...project().keys()].map(capabilityOf).filter((c): c is string => c !== null));
    const missing = [...caps].filter((c) => !project().has(`src/${c}/index.ts`));
    expect(missing).toEqual([]);
  });

  it("holds for every import of src/ and tasks/", () => {
    const tree = project();
    expect(tree.size).toBeGreaterThan(100);
    expect(dependencyViolations(tree)).toEqual([]);
  });

  it("sees multi-line, type-only, re-exported and dynamic imports", () => {
    const src = `import {\n  a,\n  b,\n} from "./x.ts";\nimport type { T } from "../y.ts";\nexport * from "./z.ts";\nconst m = await import("./w.ts");\ntype U = import("./v.ts").U;`;
    expect(importsOf("src/q/f.ts", src)).toEqual(["./x.ts", "../y.ts", "./z.ts", "./w.ts", "./v.ts"]);
  });

  it("fails when broken on purpose: infrastructure importing a capability, a capability reaching past an index.ts, a capability importing the composition root", () => {
    const tree = project();
    tree.set("src/db/pool.ts", `${tree.get("src/db/pool.ts")}\nimport { instrumentPool } from "../monitoring/instrument.ts";\n`);
    tree.set("src/storage/fs.ts", `${tree.get("src/storage/fs.ts")}\nimport type { Route } from "../server/index.ts";\n`);
    tree.set("src/executions/repository.ts", `${tree.get("src/executions/repository.ts")}\nimport { registry } from "../monitoring/registry.ts";\n`);
    tree.set("tasks/archive_executions.ts", `${tree.get("tasks/archive_executions.ts")}\nimport { runArchive } from "../src/archive/archiver.ts";\n`);
    tree.set("src/users/auth.ts", `${tree.get("src/users/auth.ts")}\nimport { createPools } from "../bootstrap.ts";\n`);
    expect(dependencyViolations(tree)).toEqual([
      "src/db/pool.ts -> src/monitoring/instrument.ts: infrastructure imports the capability monitoring",
      "src/executions/repository.ts -> src/monitoring/registry.ts: reaches into monitoring past src/monitoring/index.ts",
      "src/storage/fs.ts -> src/server/index.ts: infrastructure imports the capability server",
      "src/users/auth.ts -> src/bootstrap.ts: only entry points import the composition root",
      "tasks/archive_executions.ts -> src/archive/archiver.ts: reaches into archive past src/archive/index.ts",
    ]);
  });
});
