/**
 * The Python side of the interop stage: a virtualenv with the official Python SDK
 * (`angzarr-client`, pinned in requirements.txt) installed from PyPI, created once and reused
 * while requirements.txt is unchanged.
 *
 * As a program (`node --import tsx test/interop/venv.ts`) it prepares the virtualenv and prints
 * one JSON line: `{"ok":true,...}` with the installed versions, or `{"ok":false,"reason":...}`
 * when python3 or PyPI is not available; `npm test` uses that to run or skip the stage.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The SDK release the interop checks run against. */
export const PYTHON_SDK_VERSION = "0.3.1";

const HERE = fileURLToPath(new URL(".", import.meta.url));
const REPO = resolve(HERE, "../..");
const REQUIREMENTS = join(HERE, "requirements.txt");
/** pip may have to download about 15 MB on a slow, shared machine. */
const PIP_DEADLINE_MS = 15 * 60_000;

/** A ready virtualenv. */
export interface PythonEnv {
  /** The virtualenv's python executable. */
  python: string;
  /** The virtualenv directory. */
  dir: string;
  /** Installed versions: python, angzarr-client, grpcio, protobuf, grpcio-tools. */
  versions: Record<string, string>;
}

/** Why the interop stage cannot run here (no python3, no PyPI, ...). */
export class PythonUnavailable extends Error {}

function run(cmd: string, args: string[], timeout: number): { status: number | null; out: string; err: string; missing: boolean } {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout, stdio: ["ignore", "pipe", "pipe"] });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- false positive: without it tsc has no `code`
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";
  return { status: r.status, out: r.stdout ?? "", err: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}`, missing };
}

function lastLine(text: string): string {
  return text.trim().split("\n").filter(Boolean).at(-1) ?? "(no output)";
}

/** Directory of the virtualenv for the current requirements.txt (under the gitignored .tmp/). */
export function venvDir(): string {
  const hash = createHash("sha256").update(readFileSync(REQUIREMENTS)).digest("hex").slice(0, 10);
  return join(REPO, ".tmp", "interop", `venv-angzarr-client-${PYTHON_SDK_VERSION}-${hash}`);
}

const VERSIONS_SCRIPT = `
import json, platform
from importlib.metadata import version
print(json.dumps({"python": platform.python_version(), **{p: version(p) for p in ["angzarr-client", "grpcio", "protobuf", "grpcio-tools"]}}))
`;

/**
 * Returns the virtualenv, creating it and installing requirements.txt from PyPI when it does
 * not exist yet. Progress goes to stderr.
 * @throws PythonUnavailable with the reason when python3, venv or PyPI is not usable.
 */
export function ensurePythonEnv(): PythonEnv {
  const dir = venvDir();
  const python = join(dir, "bin", "python");
  const marker = join(dir, "installed.json");
  if (!existsSync(marker)) {
    const probe = run("python3", ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], 60_000);
    if (probe.missing) throw new PythonUnavailable("python3 is not installed");
    if (probe.status !== 0) throw new PythonUnavailable(`python3 does not run: ${lastLine(probe.err)}`);
    const [major, minor] = probe.out.trim().split(".").map(Number);
    if (major! < 3 || (major === 3 && minor! < 10)) throw new PythonUnavailable(`python3 is ${probe.out.trim()}; angzarr-client needs 3.10 or newer`);

    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    process.stderr.write(`interop: creating ${dir} and installing ${REQUIREMENTS} from PyPI\n`);
    const venv = run("python3", ["-m", "venv", dir], 5 * 60_000);
    if (venv.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new PythonUnavailable(`python3 -m venv failed (is python3-venv installed?): ${lastLine(venv.err)}`);
    }
    const pip = run(
      python,
      ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--retries", "2", "--timeout", "30", "-q", "-r", REQUIREMENTS],
      PIP_DEADLINE_MS,
    );
    if (pip.status !== 0) {
      rmSync(dir, { recursive: true, force: true });
      throw new PythonUnavailable(`pip install angzarr-client==${PYTHON_SDK_VERSION} failed (PyPI unreachable?): ${lastLine(pip.err)}`);
    }
    writeFileSync(marker, `${JSON.stringify({ requirements: readFileSync(REQUIREMENTS, "utf8") })}\n`);
  }
  const versions = run(python, ["-c", VERSIONS_SCRIPT], 60_000);
  if (versions.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new PythonUnavailable(`the virtualenv ${dir} is broken (removed; the next run recreates it): ${lastLine(versions.err)}`);
  }
  return { python, dir, versions: JSON.parse(lastLine(versions.out)) as Record<string, string> };
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    const env = ensurePythonEnv();
    console.log(JSON.stringify({ ok: true, ...env }));
  } catch (err) {
    if (!(err instanceof PythonUnavailable)) throw err;
    console.log(JSON.stringify({ ok: false, reason: err.message }));
  }
}
