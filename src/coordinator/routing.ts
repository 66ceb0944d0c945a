/** Which business process handles what: the sidecar target or the multi-domain routing table. */
import { status as Status } from "@grpc/grpc-js";
import { RpcError } from "./rpc-error.js";

/** A projector called with every event book of its domains. */
export interface ProjectorRoute {
  name: string;
  address: string;
  domains: string[];
}

/** A saga called with every event book of its source domain. */
export interface SagaRoute {
  name: string;
  address: string;
  sourceDomain: string;
}

/** Routing configuration. */
export interface RoutingConfig {
  /**
   * Sidecar mode, like `angzarr-aggregate`: every well-formed command goes to this one
   * address whatever its domain (`domain` only labels it, §2/§4).
   */
  target?: { domain: string; address: string };
  /** Multi-domain mode: command-handler address per domain. */
  routes?: Record<string, string>;
  projectors?: ProjectorRoute[];
  sagas?: SagaRoute[];
}

/** Resolves handler addresses for domains. */
export class Router {
  private readonly routes: ReadonlyMap<string, string>;
  private readonly projectors: readonly ProjectorRoute[];
  private readonly sagas: readonly SagaRoute[];

  constructor(private readonly config: RoutingConfig) {
    this.routes = new Map(Object.entries(config.routes ?? {}));
    this.projectors = config.projectors ?? [];
    this.sagas = config.sagas ?? [];
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
    if (address === undefined) throw new RpcError(Status.NOT_FOUND, `No aggregate registered for domain: ${domain}`);
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

  /** `domain=address,…` for the start-up line. */
  describe(): string {
    if (this.config.target) return `${this.config.target.domain}=${this.config.target.address} (sidecar: every domain)`;
    const entries = [...this.routes].map(([d, a]) => `${d}=${a}`);
    return entries.length > 0 ? entries.join(",") : "(none)";
  }
}
