/**
 * Test support (`angzarr-client/testing`): {@link startBackend} runs a real coordinator
 * (embedded, container or external; each is loaded only when started, so importing this module
 * never loads testcontainers or the example domain), a fault-injecting TCP proxy, message
 * builders and testAggregate().
 * @module
 */
export * from "./backend.js";
export * from "./fault-proxy.js";
export * from "./builders.js";
export * from "./harness.js";
// Types only: importing them does not load the backend modules.
export type {
  EmbeddedOptions,
  TestDomain,
  TestDomainServer,
  TestProcessManager,
  TestProjector,
  TestSaga,
} from "./embedded.js";
export type { ContainerOptions } from "./container.js";
export type { ExternalOptions } from "./external.js";
