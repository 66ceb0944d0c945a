/**
 * Test support (`angzarr-client/testing`): {@link startBackend} runs a real coordinator
 * (embedded, container or external; each is loaded only when started, so importing this module
 * never loads testcontainers or the example domain), a fault-injecting TCP proxy, test data
 * builders and given/when/then scenarios (testAggregate(), testSaga(), testProcessManager()).
 * @module
 */
export {
  BACKEND_LIMITS,
  CAPABILITIES,
  parseBackendKind,
  skipReason,
  startBackend,
  type BackendKind,
  type BackendOptions,
  type Capability,
  type TestBackend,
} from "./backend.js";
export { closedPortEndpoint, startFaultProxy, type FaultMode, type FaultProxy } from "./fault-proxy.js";
export { contextualCommand, DEFAULT_TEST_NAMESPACE, snapshotOf, TEST_CORRELATION_ID, testCover, uuidBytesFor, uuidFor } from "./builders.js";
export {
  AggregateExpectation,
  AggregateScenario,
  OutboundExpectation,
  ProcessManagerExpectation,
  ProcessManagerScenario,
  SagaScenario,
  testAggregate,
  testProcessManager,
  testSaga,
  type AggregateOutcome,
  type ExpectedCommand,
  type ProcessManagerOutcome,
  type ScenarioOptions,
} from "./harness.js";
// Types only: importing them does not load the backend modules.
export type { EmbeddedOptions, TestDomain, TestDomainServer, TestProcessManager, TestProjector, TestSaga } from "./embedded.js";
export type { ContainerOptions } from "./container.js";
export type { ExternalOptions } from "./external.js";
