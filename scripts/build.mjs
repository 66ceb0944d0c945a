// Builds dist/: ESM + .d.ts with tsc, CommonJS bundles of the three entry points with esbuild
// (so `require("angzarr-client")` works without compiling the sources twice) and CommonJS
// declarations beside them.
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
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
const stepFiles = readdirSync("steps", { recursive: true }).filter((f) => String(f).endsWith(".ts")).map(String);
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
console.log("built dist/esm (tsc), dist/cjs (esbuild) and dist/conformance (esbuild, features)");
