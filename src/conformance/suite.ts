/**
 * Where the conformance suite is: the features, the step definitions and the orders test
 * domain. Installed, they are the compiled copies in `dist/conformance` (built by
 * scripts/build.mjs); run from a checkout through tsx, the TypeScript sources.
 */
import { existsSync, realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import path from "node:path";
import type { TestDomain } from "../testing/embedded.js";

/** Files of the suite. */
export interface SuiteFiles {
  /** Glob of the feature files. */
  readonly features: string;
  /** Globs of the step definition files, for Cucumber's `import`. */
  readonly steps: readonly string[];
  /** Module exporting `ordersTestDomain` and `startOrdersHandler`. */
  readonly orders: string;
}

/**
 * Locates the suite from the running `angzarr-conformance` script (`process.argv[1]`, symlinks
 * resolved): next to it when installed (`dist/esm/conformance/cli.js` -> `dist/conformance`),
 * the checkout's sources when it is `src/conformance/cli.ts` run through tsx.
 */
export function suiteFiles(script: string = process.argv[1] ?? ""): SuiteFiles {
  const real = realpathSync(script);
  const here = path.dirname(real);
  const fromSources = real.endsWith(".ts");
  if (fromSources) {
    const root = path.resolve(here, "../..");
    return {
      features: path.join(root, "features/**/*.feature"),
      steps: [path.join(root, "steps/**/*.ts")],
      orders: path.join(root, "examples/orders/index.ts"),
    };
  }
  const dir = path.resolve(here, "../../conformance");
  if (!existsSync(path.join(dir, "orders.js"))) {
    throw new Error(`the conformance suite is missing from ${dir} (a package built without it?)`);
  }
  return {
    features: path.join(dir, "features/**/*.feature"),
    steps: [path.join(dir, "steps-*.js")],
    orders: path.join(dir, "orders.js"),
  };
}

/** The orders test domain module (business logic served by the embedded backend and `handler`). */
export interface OrdersModule {
  /** The test domain as the embedded backend runs it. */
  readonly ordersTestDomain: TestDomain;
  /** Serves the domain's aggregates, saga, process manager, projector and upcaster on `address`. */
  startOrdersHandler(address: string): Promise<{ readonly address: string; stop(graceMs?: number): Promise<void> }>;
}

/** Loads the orders test domain. */
export async function loadOrders(): Promise<OrdersModule> {
  return (await import(pathToFileURL(suiteFiles().orders).href)) as OrdersModule;
}
