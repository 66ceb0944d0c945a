/**
 * Keeps the README's code blocks identical to the files the tests run. A block preceded by
 * `<!-- embed: path -->` (or `path#region` for the lines between `// #region region` and
 * `// #endregion`) is replaced by that file's text.
 *
 *   npx tsx scripts/embed-readme.ts          rewrite README.md
 *   npx tsx scripts/embed-readme.ts --check  exit 1 when README.md is out of date
 */
import { readFileSync, writeFileSync } from "node:fs";

const MARKER = /(<!-- embed: ([^#\s]+)(?:#(\S+))? -->\n```ts\n)([\s\S]*?)(```)/g;

function excerpt(path: string, region?: string): string {
  const text = readFileSync(path, "utf8");
  if (!region) return text;
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.trim() === `// #region ${region}`);
  const end = lines.findIndex((l, i) => i > start && l.trim() === "// #endregion");
  if (start < 0 || end < 0) throw new Error(`${path} has no region ${region}`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return body.map((l) => l.slice(indent)).join("\n") + "\n";
}

export function embed(readme: string): string {
  return readme.replace(
    MARKER,
    (_all, head: string, path: string, region: string | undefined, _old, tail: string) => head + excerpt(path, region) + tail,
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const current = readFileSync("README.md", "utf8");
  const wanted = embed(current);
  if (process.argv.includes("--check")) {
    if (wanted !== current) {
      console.error("README.md is out of date: run npx tsx scripts/embed-readme.ts");
      process.exit(1);
    }
  } else {
    writeFileSync("README.md", wanted);
  }
}
