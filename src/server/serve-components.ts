import { CommandHandlerServiceService } from "../gen/angzarr/command_handler.js";
import { ProcessManagerServiceService } from "../gen/angzarr/process_manager.js";
import { ProjectorServiceService } from "../gen/angzarr/projector.js";
import { SagaServiceService } from "../gen/angzarr/saga.js";
import { UpcasterServiceService } from "../gen/angzarr/upcaster.js";
import { aggregateHandler, type AggregateClass } from "../handlers/aggregate.js";
import type { AggregateComponent, ProcessManagerComponent, ProjectorComponent, SagaComponent, UpcasterComponent } from "../handlers/components.js";
import { DefinitionError } from "../handlers/errors.js";
import { upcasterHandler, type UpcasterClass } from "../handlers/upcaster-router.js";
import { consoleLogger } from "../logger.js";
import { commandHandlerService, processManagerService, projectorService, sagaService, upcasterService } from "./services.js";
import { startServer, type ServerHandle, type ServerOptions, type ServiceBinding } from "./start-server.js";

/** Default address of every runner: loopback, any free port. */
export const DEFAULT_ADDRESS = "127.0.0.1:0";

/** An aggregate to serve: an Aggregate subclass or a component such as a CommandRouter. */
export type AggregateInput = AggregateClass<unknown> | AggregateComponent<unknown>;

/** An upcaster to serve: an Upcaster subclass or a component such as an UpcasterRouter. */
export type UpcasterInput = UpcasterClass | UpcasterComponent;

/** Everything one server can host. */
export interface Components {
  /** Aggregates, dispatched by `cover.domain` (one per domain). @default none */
  aggregates?: readonly AggregateInput[];
  /** Sagas; all sagas of the source book's domain run, and their outputs are concatenated. @default none */
  sagas?: readonly SagaComponent[];
  /** Process managers (one per pmDomain), picked by the process state's domain or the trigger's. @default none */
  processManagers?: readonly ProcessManagerComponent[];
  /** Projectors with disjoint domains, dispatched by the book's domain. @default none */
  projectors?: readonly ProjectorComponent[];
  /** Upcasters, one per domain. @default none */
  upcasters?: readonly UpcasterInput[];
}

function unique<T>(items: readonly T[], key: (item: T) => string, what: string): void {
  const seen = new Set<string>();
  for (const item of items) {
    const k = key(item);
    if (seen.has(k)) throw new DefinitionError(`two ${what} ${JSON.stringify(k)} on one server`);
    seen.add(k);
  }
}

function disjointProjectors(projectors: readonly ProjectorComponent[]): void {
  const claimed = new Map<string, string>();
  for (const p of projectors) {
    if (p.domains === undefined && projectors.length > 1) {
      throw new DefinitionError(`projector ${p.name} projects every domain, so it cannot share a server with other projectors`);
    }
    for (const domain of p.domains ?? []) {
      const other = claimed.get(domain);
      if (other)
        throw new DefinitionError(`projectors ${other} and ${p.name} both project domain ${domain}; one server dispatches a domain to one projector`);
      claimed.set(domain, p.name);
    }
  }
}

/** Turn aggregate classes into components (validating them, so definition errors surface here). */
function toAggregateComponent(input: AggregateInput): AggregateComponent {
  return typeof input === "function" ? aggregateHandler(input) : input;
}

/**
 * Serve several kinds of business logic on ONE grpc-js server, each Angzarr service at most
 * once, plus `grpc.health.v1.Health`. Sagas of one source domain fan out (outputs concatenated
 * in registration order); projectors must project disjoint domains, since a Projection
 * cannot merge two projectors' outputs; aggregates, process managers and upcasters are unique
 * per domain. Resolves once the server is bound.
 * @param address - `host:port` to bind; port 0 picks a free port (see `address` of the handle).
 * @throws DefinitionError before anything binds for registration problems (nothing to serve,
 * duplicates, overlapping projectors, badly declared classes); InvalidArgumentError for an
 * address that is not `host:port` or TLS options without a CA for client certificates; the
 * grpc-js bind error when the address cannot be bound.
 * @example
 * const server = await serveComponents(
 *   { aggregates: [OrderAggregate, inventory], sagas: [ordersToInventory], projectors: [orderSummary] },
 *   "127.0.0.1:0",
 * );
 * console.log(server.address);
 */
export async function serveComponents(components: Components, address: string = DEFAULT_ADDRESS, options: ServerOptions = {}): Promise<ServerHandle> {
  const logger = options.logger ?? consoleLogger;
  const aggregates = (components.aggregates ?? []).map(toAggregateComponent);
  const sagas = components.sagas ?? [];
  const pms = components.processManagers ?? [];
  const projectors = components.projectors ?? [];
  const upcasters = (components.upcasters ?? []).map((u) => (typeof u === "function" ? upcasterHandler(u) : u));
  unique(aggregates, (a) => a.domain, "aggregates for domain");
  unique(sagas, (s) => s.name, "sagas named");
  unique(pms, (p) => p.pmDomain, "process managers for domain");
  unique(upcasters, (u) => u.domain, "upcasters for domain");
  disjointProjectors(projectors);

  const services: ServiceBinding[] = [];
  if (aggregates.length > 0) {
    services.push({
      name: "angzarr.CommandHandlerService",
      definition: CommandHandlerServiceService,
      implementation: commandHandlerService(aggregates, logger),
    });
  }
  if (sagas.length > 0) {
    services.push({ name: "angzarr.SagaService", definition: SagaServiceService, implementation: sagaService(sagas, logger) });
  }
  if (pms.length > 0) {
    services.push({
      name: "angzarr.ProcessManagerService",
      definition: ProcessManagerServiceService,
      implementation: processManagerService(pms, logger),
    });
  }
  if (projectors.length > 0) {
    services.push({ name: "angzarr.ProjectorService", definition: ProjectorServiceService, implementation: projectorService(projectors, logger) });
  }
  if (upcasters.length > 0) {
    services.push({ name: "angzarr.UpcasterService", definition: UpcasterServiceService, implementation: upcasterService(upcasters, logger) });
  }
  if (services.length === 0) throw new DefinitionError("serveComponents: nothing to serve");
  return startServer(services, address, { ...options, logger });
}

function list<T>(value: T | readonly T[]): readonly T[] {
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

/**
 * Serve aggregates (`angzarr.CommandHandlerService`). With several, commands are dispatched by
 * `cover.domain`; a domain not served answers NOT_FOUND `No aggregate registered for domain: <d>`.
 * @example
 * const server = await runAggregateServer(OrderAggregate, "0.0.0.0:50052");
 * await runMain(server);
 */
export function runAggregateServer(
  aggregates: AggregateInput | readonly AggregateInput[],
  address: string = DEFAULT_ADDRESS,
  options?: ServerOptions,
): Promise<ServerHandle> {
  return serveComponents({ aggregates: list(aggregates) }, address, options);
}

/**
 * Serve sagas (`angzarr.SagaService`). Same rules, defaults and errors as {@link serveComponents}.
 * @example
 * const server = await runSagaServer(new SagaRouter("orders-inventory", "orders", handlers), addressFromEnv());
 * await runMain(server);
 */
export function runSagaServer(
  sagas: SagaComponent | readonly SagaComponent[],
  address: string = DEFAULT_ADDRESS,
  options?: ServerOptions,
): Promise<ServerHandle> {
  return serveComponents({ sagas: list(sagas) }, address, options);
}

/**
 * Serve process managers (`angzarr.ProcessManagerService`). Same rules, defaults and errors as
 * {@link serveComponents}.
 * @example
 * const server = await runProcessManagerServer(fulfillment, addressFromEnv());
 * await runMain(server);
 */
export function runProcessManagerServer(
  processManagers: ProcessManagerComponent | readonly ProcessManagerComponent[],
  address: string = DEFAULT_ADDRESS,
  options?: ServerOptions,
): Promise<ServerHandle> {
  return serveComponents({ processManagers: list(processManagers) }, address, options);
}

/**
 * Serve projectors (`angzarr.ProjectorService`, Handle and HandleSpeculative). Same rules,
 * defaults and errors as {@link serveComponents}.
 * @example
 * const server = await runProjectorServer(orderSummary, addressFromEnv());
 * await runMain(server);
 */
export function runProjectorServer(
  projectors: ProjectorComponent | readonly ProjectorComponent[],
  address: string = DEFAULT_ADDRESS,
  options?: ServerOptions,
): Promise<ServerHandle> {
  return serveComponents({ projectors: list(projectors) }, address, options);
}

/**
 * Serve upcasters (`angzarr.UpcasterService`). Same rules, defaults and errors as
 * {@link serveComponents}.
 * @example
 * const server = await runUpcasterServer(OrderUpcaster, addressFromEnv());
 * await runMain(server);
 */
export function runUpcasterServer(
  upcasters: UpcasterInput | readonly UpcasterInput[],
  address: string = DEFAULT_ADDRESS,
  options?: ServerOptions,
): Promise<ServerHandle> {
  return serveComponents({ upcasters: list(upcasters) }, address, options);
}
