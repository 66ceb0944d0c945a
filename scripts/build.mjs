// Builds dist/: ESM + .d.ts with tsc (CommonJS consumers load it with require(), which Node
// supports for ES modules without top-level await from 20.19 and 22.12 on), and the conformance
// suite's bundles with esbuild.
import { execFileSync } from "node:child_process";
import { cpSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

rmSync("dist", { recursive: true, force: true });
execFileSync("npx", ["tsc", "-p", "tsconfig.build.json"], { stdio: "inherit" });

const pkg = (await import("../package.json", { with: { type: "json" } })).default;
const external = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
// The conformance suite `angzarr-conformance` runs (src/conformance): the step definitions and
// the orders test domain as flat ESM files in dist/conformance (shared code in chunk-*.js), the
// features as data. The SDK itself is not copied: imports of src/ point at dist/esm, so steps,
// runner and coordinator share one copy of every class. chai (a dev dependency) is bundled;
// @cucumber/cucumber and the other peers stay imports.
const srcDir = path.resolve("src");
const sdkFromDistEsm = {
  name: "sdk-from-dist-esm",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = path.resolve(args.resolveDir, args.path);
      if (!target.startsWith(srcDir + path.sep)) return undefined;
      return { path: "../esm/" + path.relative(srcDir, target).split(path.sep).join("/"), external: true };
    });
  },
};
const stepFiles = readdirSync("steps", { recursive: true })
  .filter((f) => String(f).endsWith(".ts"))
  .map(String);
await build({
  entryPoints: {
    ...Object.fromEntries(stepFiles.map((f) => ["steps-" + f.replace(/\.ts$/, "").split(path.sep).join("-"), path.join("steps", f)])),
    orders: "examples/orders/index.ts",
  },
  outdir: "dist/conformance",
  entryNames: "[name]",
  chunkNames: "chunk-[hash]",
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  external: [...external, "angzarr-client"],
  plugins: [sdkFromDistEsm],
  logLevel: "warning",
});
cpSync("features", "dist/conformance/features", { recursive: true });
console.log("built dist/esm (tsc) and dist/conformance (esbuild, features)");
