// Builds dist/: ESM + .d.ts with tsc, CommonJS bundles of the three entry points with esbuild
// (so `require("angzarr-client")` works without compiling the sources twice) and CommonJS
// declarations beside them.
import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync, mkdirSync } from "node:fs";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });

const pkg = (await import("../package.json", { with: { type: "json" } })).default;
const external = [
  ...Object.keys(pkg.dependencies ?? {}),
  ...Object.keys(pkg.peerDependencies ?? {}),
  ...Object.keys(pkg.optionalDependencies ?? {}),
];
mkdirSync("dist/cjs", { recursive: true });
await build({
  entryPoints: {
    index: "src/index.ts",
    "coordinator/index": "src/coordinator/index.ts",
    "testing/index": "src/testing/index.ts",
  },
  outdir: "dist/cjs",
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  external,
  sourcemap: true,
  logLevel: "warning",
});
// Declarations for `require` consumers: the same types, emitted as CommonJS modules.
execFileSync(
  "npx",
  ["tsc", "-p", "tsconfig.build.json", "--emitDeclarationOnly", "--module", "commonjs", "--moduleResolution", "node10", "--outDir", "dist/cjs", "--sourceMap", "false"],
  { stdio: "inherit" },
);
// Marks dist/cjs as CommonJS although the package itself is "type": "module".
writeFileSync("dist/cjs/package.json", JSON.stringify({ type: "commonjs" }) + "\n");
console.log("built dist/esm (tsc) and dist/cjs (esbuild)");
