/** Which business process handles what: the sidecar target or the multi-domain routing table. */
import { status as Status } from "@grpc/grpc-js";
import { RpcError } from "../rpc-error.js";

/** A projector called with every event book of its domains. */
export interface ProjectorRoute {
  /** Unique name among the projectors, used in errors and logs. */
  name: string;
  /** Address of its business-logic process (`host:port`, `http(s)://host:port` or a Unix socket path). */
  address: string;
  /** Domains whose events it receives (at least one). */
  domains: string[];
}

/** A saga called with every event book of its source domain. */
export interface SagaRoute {
  /** Unique name among the sagas, used in errors and logs. */
  name: string;
  /** Address of its business-logic process (`host:port`, `http(s)://host:port` or a Unix socket path). */
  address: string;
  /** Domain whose events it receives. */
  sourceDomain: string;
}

/**
 * A process manager called with every correlated event book of its source domains (§10.2, §12);
 * its own events are stored in `pmDomain`, one aggregate per correlation id.
 */
export interface ProcessManagerRoute {
  /** Unique name among the process managers, used in errors and logs. */
  name: string;
  /** Address of its business-logic process (`host:port`, `http(s)://host:port` or a Unix socket path). */
  address: string;
  /** Domain of the process manager's own events. */
  pmDomain: string;
  /** Domains whose correlated events it receives (at least one). */
  sourceDomains: string[];
}

/** Where the coordinator sends commands and events: part of {@link CoordinatorConfig}. */
export interface RoutingConfig {
  /**
   * Sidecar mode, like `angzarr-aggregate`: every well-formed command goes to this one
   * address whatever its domain (`domain` only labels it, §2/§4).
   * @default none
   */
  target?: {
    /** Domain label of the business process; it only labels the routing table, every domain goes to `address`. */
    domain: string;
    /** Its address: `host:port`, `http(s)://host:port`, or a `/path` or `./path` Unix socket. */
    address: string;
  };
  /** Multi-domain mode: command-handler address per domain. Cannot be combined with `target`. @default none */
  routes?: Record<string, string>;
  /** Projectors called, in this order, for their domains' events. @default none */
  projectors?: ProjectorRoute[];
  /** Sagas called, in this order, for their source domain's events. @default none */
  sagas?: SagaRoute[];
  /**
   * Process managers called, in this order, for correlated events of their source domains;
   * their events go to `pmDomain`.
   * @default none
   */
  processManagers?: ProcessManagerRoute[];
}

/**
 * NOT_FOUND `No <kind> registered for domain: <d>`, the saga/PM sidecars' message for an
 * unknown domain (§4), used for every kind of component.
 */
export function notRegistered(kind: string, domain: string): RpcError {
  return new RpcError(Status.NOT_FOUND, `No ${kind} registered for domain: ${domain}`);
}

/** Resolves handler addresses for domains. */
export class Router {
  private readonly routes: ReadonlyMap<string, string>;
  private readonly projectors: readonly ProjectorRoute[];
  private readonly sagas: readonly SagaRoute[];
  private readonly processManagers: readonly ProcessManagerRoute[];

  constructor(private readonly config: RoutingConfig) {
    this.routes = new Map(Object.entries(config.routes ?? {}));
    this.projectors = config.projectors ?? [];
    this.sagas = config.sagas ?? [];
    this.processManagers = config.processManagers ?? [];
  }

  /**
   * The command-handler address for a domain. With no route: NOT_FOUND
   * `No aggregate registered for domain: <d>`. The real aggregate sidecar has no such answer
   * (it serves one domain and forwards everything); this is the message its saga/PM sidecars
   * use when routing to an unknown domain, reused for multi-domain mode.
   */
  handlerFor(domain: string): string {
    if (this.config.target) return this.config.target.address;
    const address = this.routes.get(domain);
    if (address === undefined) throw notRegistered("aggregate", domain);
    return address;
  }

  /** Projectors subscribed to a domain, in configuration order. */
  projectorsFor(domain: string): ProjectorRoute[] {
    return this.projectors.filter((p) => p.domains.includes(domain));
  }

  /** Sagas whose source is a domain, in configuration order. */
  sagasFor(domain: string): SagaRoute[] {
    return this.sagas.filter((s) => s.sourceDomain === domain);
  }

  /** Process managers subscribed to a domain, in configuration order. */
  processManagersFor(domain: string): ProcessManagerRoute[] {
    return this.processManagers.filter((p) => p.sourceDomains.includes(domain));
  }

  /** `domain=address,…` for the start-up line. */
  describe(): string {
    if (this.config.target) return `${this.config.target.domain}=${this.config.target.address} (sidecar: every domain)`;
    const entries = [...this.routes].map(([d, a]) => `${d}=${a}`);
    return entries.length > 0 ? entries.join(",") : "(none)";
  }
}
