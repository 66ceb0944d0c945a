// Builds dist/: ESM + .d.ts with tsc, and CommonJS bundles of the three entry points with
// esbuild (so `require("angzarr-client")` works on Node >= 20.19 without a second tsc pass).
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
// Marks dist/cjs as CommonJS although the package itself is "type": "module".
writeFileSync("dist/cjs/package.json", JSON.stringify({ type: "commonjs" }) + "\n");
console.log("built dist/esm (tsc) and dist/cjs (esbuild)");
