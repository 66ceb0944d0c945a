/**
 * Test backends: a real coordinator over gRPC for the conformance suite ("three backends, one
 * suite"), started one of three ways:
 *
 * | kind        | what runs                                                                  |
 * |-------------|----------------------------------------------------------------------------|
 * | `embedded`  | this project's coordinator and the orders test domain, in this process     |
 * | `container` | coordinator image + orders handler image on one container network          |
 * | `external`  | a coordinator someone already runs at `ANGZARR_ENDPOINT`                    |
 *
 * What a backend lacks is listed in {@link BACKEND_LIMITS}; scenarios tagged `@needs-<capability>`
 * are skipped there with the reason from {@link skipReason}.
 */
import type { EventStore } from "../coordinator/storage/index.js";
import type { ContainerOptions } from "./container.js";
import type { EmbeddedOptions } from "./embedded.js";
import type { ExternalOptions } from "./external.js";

/** Features some scenarios need and not every backend offers. */
export const CAPABILITIES = ["projectors", "sagas", "process-managers", "multi-domain", "faults", "auth", "seeding-snapshots"] as const;

/**
 * One of {@link CAPABILITIES}:
 * - `projectors` / `sagas`: synchronous commands (SIMPLE/CASCADE) run the orders test domain's
 *   order-summary projector / orders -> inventory saga registered with the coordinator, which
 *   also serves them through ProjectorCoordinatorService / SagaCoordinatorService.
 * - `process-managers`: the coordinator serves ProcessManagerCoordinatorService and runs the
 *   orders test domain's fulfillment process manager for correlated orders and inventory events.
 * - `multi-domain`: the coordinator routes each domain to its own handler and answers
 *   NOT_FOUND for a domain it has no route for.
 * - `faults`: a fault proxy (`startFaultProxy(backend.endpoint)`) may sit between the client
 *   and the coordinator.
 * - `auth`: {@link TestBackend.auth} is a second coordinator that requires a bearer token.
 * - `seeding-snapshots`: {@link TestBackend.store} gives direct access to the event store, to
 *   seed events and snapshots no command would write.
 */
export type Capability = (typeof CAPABILITIES)[number];

/** How the coordinator under test is run. */
export type BackendKind = "embedded" | "container" | "external";

const KINDS: readonly BackendKind[] = ["embedded", "container", "external"];

/** A coordinator for tests, reachable over gRPC. */
export interface TestBackend extends AsyncDisposable {
  /** How this backend runs the coordinator. */
  readonly kind: BackendKind;
  /** `host:port` of the coordinator, for clients (plaintext gRPC). */
  readonly endpoint: string;
  /** What this backend offers; everything else is in {@link BACKEND_LIMITS} for its kind. */
  readonly capabilities: ReadonlySet<Capability>;
  /** With `auth`: a coordinator that requires `authorization: Bearer <one of tokens>`. */
  readonly auth?: {
    /** `host:port` of the authenticating coordinator (plaintext gRPC). */
    readonly endpoint: string;
    /** Bearer tokens it accepts. */
    readonly tokens: readonly string[];
  };
  /** With `seeding-snapshots`: the event store behind {@link endpoint}. */
  readonly store?: EventStore;
  /** Stops everything the backend started. Safe to call more than once. */
  stop(): Promise<void>;
}

/** Options per backend kind; only those of the kind started are used. */
export interface BackendOptions {
  /**
   * Embedded backend: `domain` (the business logic to serve; required for this kind),
   * `storage` (default SQLite in memory), `auth` (`true` or accepted tokens: also start an
   * authenticating coordinator) and `logLevel` (default `"warn"`).
   * @default none (starting the embedded kind without it throws)
   */
  embedded?: EmbeddedOptions;
  /**
   * Container backend: `coordinatorImage`, `handlerImage`, `readyLog` and `startupTimeoutMs`
   * (default 60000).
   * @default coordinator image from `ANGZARR_COORDINATOR_IMAGE`, else `localhost/angzarr-coordinator:dev`;
   * handler image `localhost/angzarr-orders-handler:dev` (both built by containers/build-images.sh)
   */
  container?: ContainerOptions;
  /**
   * External backend: `endpoint` and `healthTimeoutMs` (default 5000).
   * @default endpoint from `ANGZARR_ENDPOINT` (starting fails without one)
   */
  external?: ExternalOptions;
}

/** What each backend kind lacks, and why (the embedded backend's `auth` is an option). */
export const BACKEND_LIMITS: Readonly<Record<BackendKind, Readonly<Partial<Record<Capability, string>>>>> = {
  embedded: {
    auth: "started without the authenticating coordinator (option embedded.auth)",
  },
  container: {
    projectors: "the coordinator container is a sidecar with one target and no discovery, like angzarr-aggregate; no projector is registered",
    sagas: "the coordinator container is a sidecar with one target and no discovery, like angzarr-aggregate; no saga is registered",
    "process-managers":
      "the coordinator container is a sidecar with one target and no discovery, like angzarr-aggregate; no process manager is registered",
    "multi-domain": "a sidecar coordinator serves one domain (every command goes to its one target)",
    auth: "the real coordinator has no bearer-token authentication",
    "seeding-snapshots": "the event store lives inside the coordinator container",
  },
  external: {
    projectors: "what an external coordinator has registered is unknown",
    sagas: "what an external coordinator has registered is unknown",
    "process-managers": "what an external coordinator has registered is unknown",
    "multi-domain": "what an external coordinator routes is unknown",
    auth: "an external coordinator's tokens are unknown",
    "seeding-snapshots": "an external coordinator's event store is out of reach",
  },
};

/**
 * The capabilities of a backend kind: every capability not in {@link BACKEND_LIMITS} for it,
 * plus those in `enabled` (options that lift a limit, like the embedded backend's `auth`).
 */
export function capabilitiesOf(kind: BackendKind, enabled: readonly Capability[] = []): ReadonlySet<Capability> {
  return new Set(CAPABILITIES.filter((c) => !(c in BACKEND_LIMITS[kind]) || enabled.includes(c)));
}

/**
 * Parses a backend kind (e.g. `ANGZARR_BACKEND`).
 * @throws Error naming the valid kinds for any other value.
 */
export function parseBackendKind(value: string): BackendKind {
  if ((KINDS as readonly string[]).includes(value)) return value as BackendKind;
  throw new Error(`unknown test backend "${value}" (expected ${KINDS.join(", ")})`);
}

/**
 * Starts a backend of `kind` (default: `ANGZARR_BACKEND`, else `embedded`). The container
 * backend is loaded only when asked for, so other runs never import testcontainers.
 * @throws Error for an unknown kind, for the embedded kind without `embedded.domain`, or when
 * the backend does not come up (naming what failed).
 * @example
 * const backend = await startBackend("embedded", { embedded: { domain: ordersTestDomain } });
 * try {
 *   await using client = Client.connect(backend.endpoint);
 *   // ... drive the coordinator
 * } finally {
 *   await backend.stop();
 * }
 */
export async function startBackend(
  // eslint-disable-next-line @typescript-eslint/no-redundant-type-constituents -- names the known kinds; other strings are rejected at run time
  kind: BackendKind | string = process.env.ANGZARR_BACKEND ?? "embedded",
  opts: BackendOptions = {},
): Promise<TestBackend> {
  switch (parseBackendKind(kind)) {
    case "embedded":
      if (!opts.embedded?.domain) {
        throw new Error("the embedded backend needs the business logic to serve: pass { embedded: { domain } }");
      }
      return (await import("./embedded.js")).startEmbeddedBackend(opts.embedded);
    case "container":
      return (await import("./container.js")).startContainerBackend(opts.container);
    case "external":
      return (await import("./external.js")).startExternalBackend(opts.external);
  }
}

/**
 * Why a scenario cannot run on `backend`, or undefined when it can. `needs` are scenario tags
 * (`@needs-projectors`) or capability names; tags not starting with `@needs-` are ignored.
 * @throws Error for an unknown capability, so a misspelt tag does not silently run everywhere.
 * @example
 * const reason = skipReason(backend, ["@smoke", "@needs-sagas"]);
 * if (reason) return "skipped"; // e.g. "skipped on the container backend: needs sagas (...)"
 */
export function skipReason(backend: Pick<TestBackend, "kind" | "capabilities">, needs: Iterable<string>): string | undefined {
  const missing: string[] = [];
  for (const need of needs) {
    if (need.startsWith("@") && !need.startsWith("@needs-")) continue;
    const capability = need.replace(/^@needs-/, "");
    if (!(CAPABILITIES as readonly string[]).includes(capability)) {
      throw new Error(`unknown capability "${capability}" in "${need}" (expected one of ${CAPABILITIES.join(", ")})`);
    }
    if (!backend.capabilities.has(capability as Capability)) {
      const why = BACKEND_LIMITS[backend.kind][capability as Capability] ?? "not offered";
      missing.push(`${capability} (${why})`);
    }
  }
  return missing.length > 0 ? `skipped on the ${backend.kind} backend: needs ${missing.join("; ")}` : undefined;
}
