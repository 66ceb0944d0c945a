/**
 * The embedded backend: a test domain's business-logic server and this project's coordinator,
 * both in this process on 127.0.0.1 (free ports), talking real gRPC.
 */
import { startCoordinator, type CoordinatorConfig, type CoordinatorHandle } from "../coordinator/index.js";
import type { LogLevel } from "../coordinator/logger.js";
import type { StorageConfig } from "../coordinator/storage/index.js";
import { capabilitiesOf, type TestBackend } from "./backend.js";

/**
 * The business logic an embedded backend runs: a server it can start on a free port, and what
 * that server offers, so the coordinator routes domains, projectors and sagas to it.
 */
export interface TestDomain {
  /** Starts the business-logic server on `address` (port 0 = any free port). */
  start(address: string): Promise<{ readonly address: string; stop(graceMs?: number): Promise<void> }>;
  /** Domains whose commands it handles. */
  readonly domains: readonly string[];
  /** Projectors it serves, with the domains each one projects. */
  readonly projectors?: ReadonlyArray<{ readonly name: string; readonly domains: readonly string[] }>;
  /** Sagas it serves, with their source domain. */
  readonly sagas?: ReadonlyArray<{ readonly name: string; readonly sourceDomain: string }>;
  /** Process managers it serves, with their own domain and the domains they subscribe to. */
  readonly processManagers?: ReadonlyArray<{ readonly name: string; readonly pmDomain: string; readonly sourceDomains: readonly string[] }>;
}

/** Options of the embedded backend. */
export interface EmbeddedOptions {
  /** The business logic to serve (e.g. the orders test domain of this repository's examples). */
  domain: TestDomain;
  /** The coordinator's event store. @default SQLite in memory */
  storage?: StorageConfig;
  /**
   * Also start a second coordinator (its own store, same routes) that requires a bearer token:
   * `true` for the token `angzarr-test-token`, or the tokens to accept. Adds `auth`.
   */
  auth?: boolean | readonly string[];
  /** Coordinator log level (stderr). @default "warn" */
  logLevel?: LogLevel;
}

/** The token of the authenticating coordinator when `auth: true`. */
export const DEFAULT_TEST_TOKEN = "angzarr-test-token";

/**
 * Starts the test domain's server and a coordinator routing its domains, projectors, sagas and
 * process managers to it. Every capability; `auth` when asked for.
 */
export async function startEmbeddedBackend(options: EmbeddedOptions): Promise<TestBackend> {
  const { domain } = options;
  const handler = await domain.start("127.0.0.1:0");
  const routing: CoordinatorConfig = {
    host: "127.0.0.1",
    port: 0,
    logLevel: options.logLevel ?? "warn",
    routes: Object.fromEntries(domain.domains.map((d) => [d, handler.address])),
    projectors: (domain.projectors ?? []).map((p) => ({ name: p.name, address: handler.address, domains: [...p.domains] })),
    sagas: (domain.sagas ?? []).map((s) => ({ name: s.name, address: handler.address, sourceDomain: s.sourceDomain })),
    processManagers: (domain.processManagers ?? []).map((p) => ({
      name: p.name,
      address: handler.address,
      pmDomain: p.pmDomain,
      sourceDomains: [...p.sourceDomains],
    })),
  };
  const tokens = options.auth === true ? [DEFAULT_TEST_TOKEN] : options.auth || [];
  const coordinators: CoordinatorHandle[] = [];
  try {
    const main = await startCoordinator({ ...routing, storage: options.storage ?? { type: "sqlite" } });
    coordinators.push(main);
    const secured = tokens.length > 0 ? await startCoordinator({ ...routing, auth: { tokens: [...tokens] } }) : undefined;
    if (secured) coordinators.push(secured);

    let stopping: Promise<void> | undefined;
    return {
      kind: "embedded",
      endpoint: main.address,
      capabilities: capabilitiesOf("embedded", secured ? ["auth"] : []),
      auth: secured && { endpoint: secured.address, tokens },
      store: main.store,
      stop: () => (stopping ??= stopAll(coordinators, handler)),
    };
  } catch (err) {
    await stopAll(coordinators, handler);
    throw err;
  }
}

/** Grace for in-flight calls when a test backend stops. */
const STOP_GRACE_MS = 1_000;

async function stopAll(coordinators: readonly CoordinatorHandle[], handler: { stop(graceMs?: number): Promise<void> }): Promise<void> {
  await Promise.all(coordinators.map((c) => c.stop(STOP_GRACE_MS)));
  await handler.stop(STOP_GRACE_MS);
}
