/**
 * Regression corpus: every input that once made a server misbehave, as a text file under
 * test/reliability/corpus/ (`target <server>`, `path <rpc>`, `note <what happened>`, then the
 * request in hex), replayed on every run before the random inputs.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The corpus directory. */
export const CORPUS_DIR = fileURLToPath(new URL("../corpus/", import.meta.url));

/** One stored input. */
export interface CorpusCase {
  file: string;
  /** Which server the input was sent to (`coordinator` or `business`). */
  target: string;
  path: string;
  bytes: Buffer;
}

/** Every case in the corpus, in file-name order. */
export function loadCorpus(dir = CORPUS_DIR): CorpusCase[] {
  mkdirSync(dir, { recursive: true });
  return readdirSync(dir)
    .filter((f) => f.endsWith(".hex"))
    .sort()
    .map((file) => {
      const lines = readFileSync(join(dir, file), "utf8").split("\n");
      const header = (key: string) => {
        const value = lines
          .find((l) => l.startsWith(`${key} `))
          ?.slice(key.length + 1)
          .trim();
        if (!value) throw new Error(`corpus file ${file}: missing "${key} ..." line`);
        return value;
      };
      const hex = lines
        .filter((l) => !/^(target|path|note) /.test(l))
        .join("")
        .replace(/\s+/g, "");
      return { file, target: header("target"), path: header("path"), bytes: Buffer.from(hex, "hex") };
    });
}

/** Stores a failing input (named after the RPC and the input's hash) and returns the file name. */
export function saveCase(target: string, path: string, bytes: Buffer, note: string, dir = CORPUS_DIR): string {
  const method = path.split("/").pop()!;
  const service = path.split("/")[1]!.split(".").pop()!;
  const file = `${service}-${method}-${createHash("sha256").update(path).update(bytes).digest("hex").slice(0, 12)}.hex`;
  const hex = bytes.toString("hex").replace(/(.{96})/g, "$1\n");
  writeFileSync(join(dir, file), `target ${target}\npath ${path}\nnote ${note.replace(/\s+/g, " ")}\n${hex}\n`);
  return file;
}
