#!/usr/bin/env bash
# Packaging test: pack the SDK, install the tarball into an empty project without dev
# dependencies, and use it from ESM, CommonJS (require() of the ES modules) and strict TypeScript
# (a CommonJS project, so the types resolve as a require() would). Fails when the plain
# install drags in the heavy optional pieces (SQLite, PostgreSQL, Testcontainers, Cucumber).
set -euo pipefail
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

node scripts/build.mjs
tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
size=$(stat -c %s "$work/$tarball")

cd "$work"
mkdir app && cd app
npm init -y >/dev/null
npm install --no-audit --no-fund --omit=dev "$work/$tarball" >/dev/null 2>&1 || npm install --no-audit --no-fund --omit=dev "$work/$tarball"

cat > esm.mjs <<'JS'
import { Client, computeRoot, InvalidArgumentError } from "angzarr-client";
if (computeRoot("cart", "alice") !== "f520dbd7-0692-5a5a-b315-48c73f2fff1b") throw new Error("computeRoot differs");
const client = Client.connect("127.0.0.1:1");
try { client.commands.command("orders", computeRoot("orders", "x")).build(); throw new Error("no error"); }
catch (e) { if (!(e instanceof InvalidArgumentError)) throw e; }
await client.close();
console.log("esm ok");
JS
cat > cjs.cjs <<'JS'
const { Aggregate, computeRoot, DefinitionError, QueryClient } = require("angzarr-client");
const { testAggregate } = require("angzarr-client/testing");
const { startCoordinator, loadConfigFromEnv } = require("angzarr-client/coordinator");
if (computeRoot("cart", "alice") !== "f520dbd7-0692-5a5a-b315-48c73f2fff1b") throw new Error("computeRoot differs");
if (typeof QueryClient.connect !== "function") throw new Error("QueryClient missing");
if (typeof startCoordinator !== "function" || typeof loadConfigFromEnv !== "function") throw new Error("coordinator entry point incomplete");
// One copy of every class behind all three entry points: an error thrown by the testing helpers
// is an instance of the class the main entry point exports.
class Undecorated extends Aggregate {}
try { testAggregate(Undecorated); throw new Error("no error"); }
catch (e) { if (!(e instanceof DefinitionError)) throw e; }
console.log("cjs ok");
JS
cat > use.ts <<'TS'
import { Client, GrpcError, computeRoot, type CallOptions } from "angzarr-client";
const opts: CallOptions = { timeoutMs: 1000 };
export async function run(): Promise<number> {
  const client = Client.connect("127.0.0.1:1310");
  try {
    const book = await client.queries.query("orders", computeRoot("orders", "o-1")).getEventBook(opts);
    return book.pages.length;
  } catch (err) {
    if (err instanceof GrpcError) return -err.code;
    throw err;
  } finally {
    await client.close();
  }
}
TS
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "strict": true, "module": "NodeNext", "moduleResolution": "NodeNext", "target": "ES2022", "noEmit": true, "skipLibCheck": false, "types": [] }, "files": ["use.ts"] }
JSON
node esm.mjs
cjs_out=$(node cjs.cjs 2>&1)
echo "$cjs_out"
if grep -q "Warning" <<<"$cjs_out"; then echo "FAIL: require() of the package printed a warning" >&2; exit 1; fi
"$root/node_modules/.bin/tsc" -p tsconfig.json
echo "tsc --strict ok"

installed=$(npm ls --all --parseable --omit=dev 2>/dev/null | tail -n +2 | sort -u)
count=$(echo "$installed" | grep -c . || true)
for heavy in better-sqlite3 pg testcontainers @cucumber/cucumber; do
  if echo "$installed" | grep -q "/node_modules/$heavy\$"; then
    echo "FAIL: a plain install brought in $heavy" >&2
    exit 1
  fi
done
echo "package: tarball $tarball $size bytes; plain install brought $count packages:"
echo "$installed" | sed "s#^$work/app/node_modules/#  #"

# The conformance tool from the same tarball: with its optional peers (Cucumber; SQLite for the
# embedded coordinator) installed, `npx angzarr-conformance --embedded` runs the whole suite.
npm install --no-audit --no-fund --no-save @cucumber/cucumber@^12 "better-sqlite3@>=12 <13" >/dev/null 2>&1 \
  || npm install --no-audit --no-fund --no-save @cucumber/cucumber@^12 "better-sqlite3@>=12 <13"
if ! npx --no-install angzarr-conformance --embedded --junit out.xml > conformance.log 2>&1; then
  cat conformance.log >&2
  echo "FAIL: npx angzarr-conformance --embedded failed" >&2
  exit 1
fi
grep -q '<testsuite .*failures="0"' out.xml || { echo "FAIL: out.xml reports failures" >&2; exit 1; }
tail -n 3 conformance.log
echo "angzarr-conformance --embedded ok: out.xml $(grep -o 'tests="[0-9]*"' out.xml | head -n 1)"
