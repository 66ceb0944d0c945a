/**
 * The embedded backend: a test domain's business-logic server and this project's coordinator,
 * both in this process on 127.0.0.1 (free ports), talking real gRPC.
 */
import { startCoordinator, type CoordinatorConfig, type CoordinatorHandle } from "../coordinator/index.js";
import type { LogLevel } from "../logger.js";
import type { StorageConfig } from "../coordinator/storage/index.js";
import { capabilitiesOf, type TestBackend } from "./backend.js";

/** A running business-logic server, as {@link TestDomain.start} returns it. */
export interface TestDomainServer {
  /** `host:port` the server is bound to. */
  readonly address: string;
  /** Stops the server, letting in-flight calls finish for up to `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/** A projector a test domain serves. */
export interface TestProjector {
  /** Projector name. */
  readonly name: string;
  /** Domains whose events it projects. */
  readonly domains: readonly string[];
}

/** A saga a test domain serves. */
export interface TestSaga {
  /** Saga name. */
  readonly name: string;
  /** Domain whose events it reacts to. */
  readonly sourceDomain: string;
}

/** A process manager a test domain serves. */
export interface TestProcessManager {
  /** Process manager name. */
  readonly name: string;
  /** Domain of its own event stream. */
  readonly pmDomain: string;
  /** Domains whose events it subscribes to. */
  readonly sourceDomains: readonly string[];
}

/**
 * The business logic an embedded backend runs: a server it can start on a free port, and what
 * that server offers, so the coordinator routes domains, projectors, sagas and process managers
 * to it.
 */
export interface TestDomain {
  /** Starts the business-logic server on `address` (port 0 = any free port). */
  start(address: string): Promise<TestDomainServer>;
  /** Domains whose commands it handles. */
  readonly domains: readonly string[];
  /** Projectors it serves. */
  readonly projectors?: readonly TestProjector[];
  /** Sagas it serves. */
  readonly sagas?: readonly TestSaga[];
  /** Process managers it serves. */
  readonly processManagers?: readonly TestProcessManager[];
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
      [Symbol.asyncDispose]: () => (stopping ??= stopAll(coordinators, handler)),
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
