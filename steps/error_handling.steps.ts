/**
 * Steps of error_handling.feature (section 1 of step-vocabulary.txt). Every error under
 * inspection comes from a real failure: a closed port, the fault proxy, the coordinator's
 * own validation, the orders handler's FailWith command, a coordinator with token auth,
 * or a gRPC server that answers with retry hints.
 */
import { inspect } from "node:util";
import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import * as grpc from "@grpc/grpc-js";
import * as sdk from "../src/index.js";
import { isClientError, Status, type ClientError, type GrpcError } from "../src/errors.js";
import { closedPortEndpoint, startFaultProxy } from "../src/testing/index.js";
import { codecFor, sampleMessage } from "./support/messages.js";
import { AngzarrWorld, CALL_TIMEOUT_MS, describeError, planFor } from "./support/world.js";
import { startAuthCoordinator } from "./support/auth.js";
import { StateSlot } from "./support/state-slot.js";
import { startThrottlingQueryServer } from "./support/throttling-server.js";

/** What the error steps expect of the error under inspection (which is lastError). */
interface ErrorHandlingState {
  /** Next sequence of the aggregate whose refusal carries detailed status. */
  detailedHead?: number;
  /** The retry hint the throttling server sends. */
  retryAfterMs?: number;
  /** The malformed timestamp a query was built with. */
  badTimestamp?: string;
}

const ERROR_HANDLING = new StateSlot<ErrorHandlingState>(() => ({}));

/** A gRPC status code from its name, e.g. "NOT_FOUND". */
function statusCode(name: string): Status {
  const code = Status[name as keyof typeof Status] as Status | undefined;
  if (typeof code !== "number") throw new Error(`no gRPC status named ${name}`);
  return code;
}

/** Runs an operation that must fail and returns its error (fails the step if it succeeds). */
async function failureOf(operation: () => Promise<unknown>): Promise<ClientError> {
  let result: unknown;
  try {
    result = await operation();
  } catch (err) {
    expect(isClientError(err), `expected a ClientError, got ${describeError(err)}`).to.equal(true);
    return err as ClientError;
  }
  throw new Error(`the operation was expected to fail but returned ${inspect(result, { depth: 2 })}`);
}

/** A FailWith command: the orders handler answers with this status, passed on by the coordinator. */
function failWithOperation(world: AngzarrWorld, code: Status, message: string): () => Promise<unknown> {
  return async () => {
    const { domain, root } = world.newAggregate("orders");
    const type = planFor(domain).failWith!;
    const codec = codecFor(type, domain);
    const msg = { ...sampleMessage(codec), code, message };
    return world.execute({ domain, root, type, message: msg, sequence: 0 });
  };
}

function unreachableOperation(world: AngzarrWorld): () => Promise<unknown> {
  return async () => {
    const client = await world.connectQuery(await closedPortEndpoint());
    return client.query("orders", world.rootFor("orders", "unreachable")).getEventBook({ timeoutMs: 5_000 });
  };
}

/**
 * A query through the fault proxy. The connection is established (one call in `pass` mode)
 * before the fault starts, so the fault hits a request on a live connection.
 */
async function proxiedOperation(world: AngzarrWorld, mode: "hold" | "reset", timeoutMs: number) {
  const proxy = world.track(await startFaultProxy(world.backend.endpoint));
  const client = await world.connectQuery(proxy.endpoint);
  const query = (ms: number) => client.query("orders", world.rootFor("orders", "faulty")).getEventBook({ timeoutMs: ms });
  await query(CALL_TIMEOUT_MS);
  proxy.setMode(mode);
  return () => query(timeoutMs);
}

/** Client-side refusal: a command without a command message, on a client that can reach nothing. */
async function clientInvalidArgument(world: AngzarrWorld): Promise<ClientError> {
  const client = await world.connectAggregate(await closedPortEndpoint());
  return failureOf(async () => {
    const builder = client.command("orders", world.rootFor("orders", "no-command")).withSequence(0);
    return typeof builder.build === "function" ? builder.build() : builder.execute({ timeoutMs: 2_000 });
  });
}

/** A real error of a kind: "connection", "transport", "client-invalid-argument" or a gRPC code name. */
async function errorOf(world: AngzarrWorld, kind: string): Promise<ClientError> {
  const cached = world.errorsByKind.get(kind);
  if (cached) return cached;
  let err: ClientError;
  if (kind === "connection") err = await failureOf(unreachableOperation(world));
  else if (kind === "transport") err = await failureOf(await proxiedOperation(world, "reset", 5_000));
  else if (kind === "client-invalid-argument") err = await clientInvalidArgument(world);
  else if (kind === "grpc") err = await errorOf(world, "NOT_FOUND");
  else {
    const code = statusCode(kind);
    err = await failureOf(failWithOperation(world, code, `the handler answers ${kind} as asked by the test`));
    expect(err.code, describeError(err)).to.equal(code);
  }
  world.errorsByKind.set(kind, err);
  return err;
}

function current(world: AngzarrWorld): ClientError {
  const err = world.lastError;
  if (err === undefined) throw new Error("no error was produced by an earlier step");
  expect(isClientError(err), `expected a ClientError, got ${describeError(err)}`).to.equal(true);
  return err as ClientError;
}

function setError(world: AngzarrWorld, err: ClientError): void {
  world.lastError = err;
}

// ---- Given: failures set up for "When I attempt ..." ------------------------------------

Given("the server is unreachable", function (this: AngzarrWorld) {
  this.pendingOperation = unreachableOperation(this);
});

Given("the connection drops mid-request", async function (this: AngzarrWorld) {
  this.pendingOperation = await proxiedOperation(this, "reset", 5_000);
});

Given("the operation times out", async function (this: AngzarrWorld) {
  this.pendingOperation = await proxiedOperation(this, "hold", 300);
});

Given("the server returns a gRPC error", function (this: AngzarrWorld) {
  this.pendingOperation = failWithOperation(this, Status.ABORTED, "the handler aborted the command");
});

Given("the server has an internal error", function (this: AngzarrWorld) {
  this.pendingOperation = failWithOperation(this, Status.INTERNAL, "the handler failed while processing the command");
});

// A root of the test domain that was never written. The real 0.5.1 coordinator reads it as an
// empty book (no NOT_FOUND), which the shared contracts' NOT_FOUND expectation does not meet.
Given("the aggregate does not exist", async function (this: AngzarrWorld) {
  const { domain, root } = this.newAggregate("orders");
  expect(await this.currentSequence(domain, root), "a fresh root has no events").to.equal(0);
});

Given("the server aggregate is at sequence {int}", async function (this: AngzarrWorld, sequence: number) {
  const { domain, root } = this.newAggregate("orders");
  await this.seedCount(domain, root, sequence);
});

Given("the client lacks required permissions", async function (this: AngzarrWorld) {
  const { endpoint } = await startAuthCoordinator(this);
  this.pendingOperation = async () => {
    // The client sends a token, just not one this coordinator accepts.
    const client = this.track(sdk.CommandHandlerClient.connect(endpoint, { token: `stolen-${this.nonce}` }));
    const { domain, root } = this.newAggregate("orders");
    return this.execute({ ...this.commandFor(domain, { sequence: 0 }), root }, client);
  };
});

Given("any client error", async function (this: AngzarrWorld) {
  setError(this, await errorOf(this, "NOT_FOUND"));
});

Given("a gRPC error with status {word}", async function (this: AngzarrWorld, code: string) {
  setError(this, await errorOf(this, code));
});

Given("a connection error", async function (this: AngzarrWorld) {
  setError(this, await errorOf(this, "connection"));
});

Given("a gRPC error with detailed status", async function (this: AngzarrWorld) {
  // The coordinator's sequence refusal carries the aggregate's current state as status details.
  const { domain, root } = this.newAggregate("orders");
  await this.seedCount(domain, root, 3);
  const err = await failureOf(() => this.execute({ ...this.commandFor(domain, { sequence: 3 }), root, sequence: 1 }));
  this.state(ERROR_HANDLING).detailedHead = 3;
  setError(this, err);
});

Given("an invalid argument error", async function (this: AngzarrWorld) {
  setError(this, await errorOf(this, "client-invalid-argument"));
});

Given("different error types", function () {
  // Each Then step produces the kind of error it names, for real, on first use.
});

Given("various error types", function () {
  // As above: errors are produced on demand.
});

Given("an error with retry-after metadata", async function (this: AngzarrWorld) {
  const retryAfterMs = 1500;
  const client = await this.connectQuery(await startThrottlingQueryServer(this, retryAfterMs));
  const err = await failureOf(() => client.query("orders", this.rootFor("orders", "throttled")).getEventBook({ timeoutMs: CALL_TIMEOUT_MS }));
  this.state(ERROR_HANDLING).retryAfterMs = retryAfterMs;
  setError(this, err);
});

// ---- When ---------------------------------------------------------------------------------

When(/^I attempt (?:a client operation|a restricted operation)$/, async function (this: AngzarrWorld) {
  if (!this.pendingOperation) throw new Error("no failing operation was set up by a Given step");
  setError(this, await failureOf(this.pendingOperation));
});

When("I query events for the aggregate", async function (this: AngzarrWorld) {
  const { domain, root } = this.requireCurrent();
  await this.runQuery({ domain, root });
});

When("I execute a mock command at sequence {int}", async function (this: AngzarrWorld, sequence: number) {
  const { domain, root } = this.requireCurrent();
  const head = await this.currentSequence(domain, root);
  await this.send({ ...this.commandFor(domain, { sequence: head }), root, sequence });
});

When("I send a malformed request to the server", async function (this: AngzarrWorld) {
  const client = await this.connectAggregate();
  const { domain } = this.newAggregate("orders");
  const codec = codecFor(planFor(domain).create, domain);
  // A root of 15 bytes: well-formed protobuf, but no UUID; only the server can refuse it.
  const request = {
    command: {
      cover: { domain, root: { value: Buffer.alloc(15, 7) }, correlationId: "" },
      pages: [
        {
          header: { sequenceType: { $case: "sequence" as const, value: 0 } },
          mergeStrategy: 0,
          payload: {
            $case: "command" as const,
            value: { typeUrl: `type.googleapis.com/${codec.$type}`, value: Buffer.from(codec.encode(sampleMessage(codec)).finish()) },
          },
        },
      ],
    },
    syncMode: 0,
    cascadeErrorMode: 0,
  };
  setError(this, await failureOf(() => client.handleCommand(request, { timeoutMs: CALL_TIMEOUT_MS })));
});

When("I build a command without required fields", async function (this: AngzarrWorld) {
  setError(this, await clientInvalidArgument(this));
});

When("I build a query with invalid timestamp format", async function (this: AngzarrWorld) {
  const client = await this.connectQuery(await closedPortEndpoint());
  const badTimestamp = "not-a-timestamp";
  this.state(ERROR_HANDLING).badTimestamp = badTimestamp;
  setError(
    this,
    await failureOf(async () => client.query("orders", this.rootFor("orders", "bad-time")).asOfTime(badTimestamp).getEventBook({ timeoutMs: 2_000 })),
  );
});

When("I call message\\() on the error", function (this: AngzarrWorld) {
  this.accessorResult = current(this).message;
});

When("I call code\\() on the error", function (this: AngzarrWorld) {
  this.accessorResult = current(this).code;
});

When("I call status\\() on the error", function (this: AngzarrWorld) {
  this.accessorResult = (current(this) as Partial<GrpcError>).status;
});

When("I convert the error to string", function (this: AngzarrWorld) {
  this.accessorResult = String(current(this));
});

When("I debug-format the error", function (this: AngzarrWorld) {
  this.accessorResult = inspect(current(this));
});

When("I inspect the error details", function (this: AngzarrWorld) {
  this.accessorResult = current(this).retryAfterMs;
});

// ---- Then: categories -------------------------------------------------------------------------

Then("the error should be a connection error", function (this: AngzarrWorld) {
  const err = current(this);
  expect(err, describeError(err)).to.be.instanceOf(sdk.ConnectionError);
  expect(err, "a connection that never existed is not a broken transport").to.not.be.instanceOf(sdk.TransportError);
});

Then("the error should be a transport error", function (this: AngzarrWorld) {
  const err = current(this);
  expect(err, describeError(err)).to.be.instanceOf(sdk.TransportError);
});

Then("the error should be a gRPC error", function (this: AngzarrWorld) {
  const err = current(this);
  expect(err, describeError(err)).to.be.instanceOf(sdk.GrpcError);
});

Then("the error should be an invalid argument error", function (this: AngzarrWorld) {
  const err = current(this);
  expect(err, describeError(err)).to.be.instanceOf(sdk.InvalidArgumentError);
});

Then("the error should be an invalid timestamp error", function (this: AngzarrWorld) {
  const err = current(this);
  expect(err, describeError(err)).to.be.instanceOf(sdk.InvalidTimestampError);
});

Then("the underlying Status should be accessible", function (this: AngzarrWorld) {
  const err = current(this) as GrpcError;
  const status = err.status;
  expect(status, "status of a gRPC error").to.not.equal(undefined);
  expect(status.code).to.equal(err.code);
  expect(status.details).to.be.a("string").and.not.equal("");
  expect(status.metadata).to.be.instanceOf(grpc.Metadata);
});

// ---- Then: predicates ---------------------------------------------------------------------------

Then("is_connection_error should return true", function (this: AngzarrWorld) {
  expect(current(this).isConnectionError()).to.equal(true);
});

Then("is_not_found should return true", function (this: AngzarrWorld) {
  const err = current(this);
  expect(err.isNotFound(), describeError(err)).to.equal(true);
});

Then("is_precondition_failed should return true", function (this: AngzarrWorld) {
  const err = current(this);
  expect(err.isPreconditionFailed(), describeError(err)).to.equal(true);
});

Then("is_invalid_argument should return true", function (this: AngzarrWorld) {
  const err = current(this);
  expect(err.isInvalidArgument(), describeError(err)).to.equal(true);
});

Then("code should return {word}", function (this: AngzarrWorld, code: string) {
  const err = current(this);
  expect(err.code, describeError(err)).to.equal(statusCode(code));
});

Then("ClientError::InvalidArgument should have is_invalid_argument true", async function (this: AngzarrWorld) {
  const own = this.lastError instanceof sdk.InvalidArgumentError ? this.lastError : await errorOf(this, "client-invalid-argument");
  expect(own).to.be.instanceOf(sdk.InvalidArgumentError);
  expect((own as ClientError).isInvalidArgument()).to.equal(true);
});

for (const [predicate, method] of [
  ["is_not_found", "isNotFound"],
  ["is_precondition_failed", "isPreconditionFailed"],
  ["is_invalid_argument", "isInvalidArgument"],
] as const) {
  for (const expected of [true, false]) {
    Then(`{word} gRPC error should have ${predicate} ${expected}`, async function (this: AngzarrWorld, code: string) {
      const err = await errorOf(this, code);
      expect(err[method](), describeError(err)).to.equal(expected);
    });
  }
  if (predicate !== "is_invalid_argument") {
    Then(`connection error should have ${predicate} false`, async function (this: AngzarrWorld) {
      expect((await errorOf(this, "connection"))[method]()).to.equal(false);
    });
  }
}

Then("connection error should have is_connection_error true", async function (this: AngzarrWorld) {
  expect((await errorOf(this, "connection")).isConnectionError()).to.equal(true);
});

Then("transport error should have is_connection_error true", async function (this: AngzarrWorld) {
  const err = this.lastError instanceof sdk.TransportError ? this.lastError : await errorOf(this, "transport");
  expect(err, describeError(err)).to.be.instanceOf(sdk.TransportError);
  expect((err as ClientError).isConnectionError()).to.equal(true);
});

Then("gRPC error should have is_connection_error false", async function (this: AngzarrWorld) {
  const err = await errorOf(this, "grpc");
  expect(err).to.be.instanceOf(sdk.GrpcError);
  expect(err.isConnectionError()).to.equal(false);
});

// ---- Then: retry classification ---------------------------------------------------------------

Then("connection errors should be retryable", async function (this: AngzarrWorld) {
  expect((await errorOf(this, "connection")).isRetryable()).to.equal(true);
});

Then("{word} gRPC errors should be retryable", async function (this: AngzarrWorld, code: string) {
  const err = await errorOf(this, code);
  expect(err.isRetryable(), describeError(err)).to.equal(true);
});

Then("{word} should be retryable with backoff", async function (this: AngzarrWorld, code: string) {
  const err = await errorOf(this, code);
  expect(err.isRetryable()).to.equal(true);
  expect(err.retryKind).to.equal("with-backoff");
});

Then("{word} should NOT be retryable", async function (this: AngzarrWorld, code: string) {
  const err = await errorOf(this, code);
  expect(err.isRetryable(), describeError(err)).to.equal(false);
});

Then("{word} should be retryable after state refresh", async function (this: AngzarrWorld, code: string) {
  const err = await errorOf(this, code);
  expect(err.isRetryable()).to.equal(true);
  expect(err.retryKind).to.equal("after-refresh");
});

Then("I should be able to extract retry timing hints", function (this: AngzarrWorld) {
  expect(this.accessorResult, "retry-after hint in ms").to.equal(this.state(ERROR_HANDLING).retryAfterMs);
});

// ---- Then: messages and accessors -------------------------------------------------------------

Then("the error message should describe the connection failure", function (this: AngzarrWorld) {
  const err = current(this);
  expect(err.message).to.match(/connect|reach|refused|unavailable/i);
  const endpoint = (err as sdk.ConnectionError).endpoint;
  if (endpoint) expect(err.message).to.include(endpoint);
});

Then("the error message should describe what's missing", function (this: AngzarrWorld) {
  const message = current(this).message;
  expect(message).to.match(/missing|required|must|no command|not set/i);
  expect(message).to.match(/command|payload|type/i);
});

Then("the error message should indicate the format problem", function (this: AngzarrWorld) {
  const message = current(this).message;
  expect(message).to.include(String(this.state(ERROR_HANDLING).badTimestamp));
  expect(message).to.match(/RFC ?3339|format|timestamp/i);
});

Then("the error indicates optimistic lock failure", function (this: AngzarrWorld) {
  const err = current(this);
  expect(err.isPreconditionFailed(), describeError(err)).to.equal(true);
  expect(err.message).to.match(/sequence/i);
});

Then("the error message should describe access denial", function (this: AngzarrWorld) {
  expect(current(this).message).to.match(/denied|permission|not allowed|unauthori[sz]ed|forbidden|token/i);
});

Then("the error should indicate server-side failure", function (this: AngzarrWorld) {
  const err = current(this);
  expect(err, describeError(err)).to.be.instanceOf(sdk.GrpcError);
  expect(err.isConnectionError()).to.equal(false);
  expect((err as GrpcError).details).to.include("failed while processing");
});

Then("I should get a non-empty string", function (this: AngzarrWorld) {
  expect(this.accessorResult).to.be.a("string").and.not.equal("");
});

Then("the message should describe the error", function (this: AngzarrWorld) {
  const err = current(this) as GrpcError;
  expect(this.accessorResult).to.include(err.details ?? "");
  expect(this.accessorResult).to.match(/NOT_FOUND|not found/i);
});

Then("I should get Some\\({word}\\)", function (this: AngzarrWorld, code: string) {
  expect(this.accessorResult).to.equal(statusCode(code));
});

Then("I should get None", function (this: AngzarrWorld) {
  expect(this.accessorResult).to.equal(undefined);
});

Then("I should get the full gRPC Status", function (this: AngzarrWorld) {
  const err = current(this);
  const status = this.accessorResult as grpc.StatusObject | undefined;
  expect(status, "status()").to.not.equal(undefined);
  expect(status!.code).to.equal(err.code);
  expect(status!.details).to.be.a("string").and.not.equal("");
  expect(status!.metadata).to.be.instanceOf(grpc.Metadata);
});

Then("I can access the status code, message, and details", function (this: AngzarrWorld) {
  const err = current(this) as GrpcError;
  const status = this.accessorResult as grpc.StatusObject;
  expect(status.code).to.equal(Status.FAILED_PRECONDITION);
  expect(status.details).to.match(/sequence/i);
  const details = status.metadata.get("grpc-status-details-bin")[0];
  expect(Buffer.isBuffer(details) && details.length > 0, "binary status details").to.equal(true);
  // The details are the aggregate's current state: the caller can retry at its next sequence.
  const state = err.currentState;
  expect(state, "decoded current state").to.not.equal(undefined);
  expect(state!.nextSequence).to.equal(this.state(ERROR_HANDLING).detailedHead);
});

Then("I should get a formatted error message", function (this: AngzarrWorld) {
  const text = this.accessorResult as string;
  expect(text).to.be.a("string").and.not.equal("");
  expect(text).to.include(current(this).message);
});

Then("the message should include the error type and description", function (this: AngzarrWorld) {
  const err = current(this) as GrpcError;
  const text = this.accessorResult as string;
  expect(text).to.include(err.name);
  expect(text).to.include(err.details);
});

Then("I should get detailed diagnostic information", function (this: AngzarrWorld) {
  const err = current(this) as GrpcError;
  const text = this.accessorResult as string;
  expect(text).to.include(err.name);
  expect(text).to.include(Status[err.code]);
  expect(text).to.include(err.details);
  expect(text.length).to.be.greaterThan(String(err).length);
});
