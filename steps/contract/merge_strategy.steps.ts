/**
 * Phrasings of the shared merge_strategy.feature (step-vocabulary.txt section 2), run against
 * the test backend's coordinator with the orders handler. The shared file's player, counter
 * and set aggregates map onto the orders example: the counter is an order's item count (sum of
 * ItemAdded quantities), the set is its SKUs, and the player commands of the per-command table
 * (ReserveFunds, AddBonusPoints, IncrementVisits) are labels for AddItem commands.
 *
 * Behaviour follows the real 0.5.1 coordinator (COORDINATOR.md §5.1): the sequence pre-check
 * runs before the strategy is looked at, so a stale STRICT, COMMUTATIVE or MANUAL command is
 * refused with FAILED_PRECONDITION "Sequence mismatch: ..." carrying the current EventBook;
 * only AGGREGATE_HANDLES skips it and lets the handler decide.
 */
import { AfterAll, Given, Then, When, type DataTable } from "@cucumber/cucumber";
import { expect } from "chai";
import * as sdk from "../../src/index.js";
import { computeRoot, makeCover, makeEventBook, makeEventPage, packAny } from "../../src/core/index.js";
import { mergeStrategyOf } from "../../src/coordinator/context.js";
import { isClientError, GrpcError } from "../../src/errors.js";
import type { CommandResponse } from "../../src/gen/angzarr/command_handler.js";
import { CascadeErrorMode, MergeStrategy, SyncMode, mergeStrategyFromJSON, type CommandBook, type EventBook } from "../../src/gen/angzarr/types.js";
import { codecFor, pack, sampleMessage, shortName } from "../support/messages.js";
import { StateSlot } from "../support/state-slot.js";
import { AngzarrWorld, CALL_TIMEOUT_MS, describeError, pageSequence, pageTypeName, type SentCommand } from "../support/world.js";
import {
  AddItem,
  attemptsFor,
  holdNextAttempt,
  ItemAdded,
  ItemWished,
  runSaga,
  setBackend,
  stopSetBackend,
  type SetBackend,
} from "./support/set-backend.js";

AfterAll({ timeout: 60_000 }, async function () {
  await stopSetBackend();
});

/**
 * Steps that send more than one stale command: the real 0.5.1 coordinator answers each only
 * after its ≈6.6–13.1 s retry loop (COORDINATOR.md §5.6), longer than the default step timeout.
 */
const STALE_STEP_TIMEOUT_MS = 120_000;

interface MsCommand {
  label: string;
  command: SentCommand;
  /** Events the aggregate held just before this command was sent, and just after it answered. */
  before?: number;
  after?: number;
  response?: CommandResponse;
  error?: unknown;
  /** Ran at all. */
  ran: boolean;
}

interface MsState {
  pending?: MsCommand;
  /** Commands of a table ("two concurrent ...", "commands for the same aggregate"), in order. */
  batch: MsCommand[];
  /** The last command that ran. */
  last?: MsCommand;
  /** The EventBook the client took from the last error. */
  extractedBook?: EventBook;
  /** A CommandBook under inspection and the strategy extracted from it. */
  book?: CommandBook;
  extracted?: MergeStrategy;
  /** Display name -> SKU of the set aggregate. */
  skus: Map<string, string>;
  /** The idempotent set aggregate (set-backend.ts) and the member its saga adds. */
  set?: { root: string; backend: SetBackend; commands: sdk.CommandHandlerClient; queries: sdk.QueryClient; wished?: string };
  /** The saga run that raced a concurrent write: the set's next sequence before it, and its error. */
  race?: { before: number; error: unknown };
}

const MERGE = new StateSlot<MsState>(() => ({ batch: [], skus: new Map() }));

function ms(world: AngzarrWorld): MsState {
  return world.state(MERGE);
}

/** STRICT, COMMUTATIVE, AGGREGATE_HANDLES, MANUAL (with or without the MERGE_ prefix). */
function strategyOf(word: string): MergeStrategy {
  const name = word.startsWith("MERGE_") ? word : `MERGE_${word}`;
  const value = mergeStrategyFromJSON(name);
  if (value === MergeStrategy.UNRECOGNIZED) throw new Error(`no merge strategy ${word}`);
  return value;
}

/** The scenario's SKU for a display name (unique per scenario, like roots). */
function skuFor(world: AngzarrWorld, name: string): string {
  const s = ms(world);
  let sku = s.skus.get(name);
  if (!sku) {
    sku = world.correlation(name);
    s.skus.set(name, sku);
  }
  return sku;
}

/** AddItem of a unique SKU (or the given one) with a quantity, to the current aggregate. */
function addItem(world: AngzarrWorld, sequence: number, opts: { sku?: string; quantity?: number } = {}): SentCommand {
  const { domain, root } = world.requireCurrent();
  const codec = codecFor("AddItem", domain);
  const message = codec.fromPartial({
    sku: opts.sku ?? world.correlation(`item-${ms(world).batch.length}-${Date.now()}`),
    quantity: opts.quantity ?? 1,
  });
  return { domain, root, type: "AddItem", message: message, sequence };
}

async function run(world: AngzarrWorld, cmd: MsCommand): Promise<MsCommand> {
  const { domain, root } = cmd.command;
  cmd.before = await world.currentSequence(domain, root);
  cmd.ran = true;
  try {
    cmd.response = await world.execute(cmd.command);
  } catch (err) {
    expect(isClientError(err), `expected a ClientError, got ${String(err)}`).to.equal(true);
    cmd.error = err;
  }
  cmd.after = await world.currentSequence(domain, root);
  ms(world).last = cmd;
  world.lastCommand = cmd.command;
  world.lastResponse = cmd.response;
  world.lastError = cmd.error;
  world.lastCommandSucceeded = cmd.error === undefined;
  return cmd;
}

function pending(world: AngzarrWorld): MsCommand {
  const s = ms(world);
  s.pending ??= { label: "command", command: addItem(world, 0), ran: false };
  return s.pending;
}

function last(world: AngzarrWorld): MsCommand {
  const cmd = ms(world).last;
  if (!cmd) throw new Error("no command was processed");
  return cmd;
}

function succeeded(cmd: MsCommand): CommandResponse {
  if (cmd.error !== undefined) throw new Error(`${cmd.label} failed: ${describeError(cmd.error)}`);
  if (!cmd.response) throw new Error(`${cmd.label} did not run`);
  return cmd.response;
}

function failed(cmd: MsCommand): sdk.ClientError {
  if (cmd.error === undefined) throw new Error(`expected ${cmd.label} to fail, it succeeded`);
  return cmd.error as sdk.ClientError;
}

function byLabel(world: AngzarrWorld, label: string): MsCommand {
  const cmd = ms(world).batch.find((c) => c.label === label);
  if (!cmd) throw new Error(`no command ${label} in the table`);
  return cmd;
}

async function storedCount(world: AngzarrWorld, cmd: MsCommand): Promise<number> {
  return world.currentSequence(cmd.command.domain, cmd.command.root);
}

// ---- Given: aggregates ----------------------------------------------------------------------

// | sequence | type |: the domain's event types, stored in order; the sequences are checked.
Given("an aggregate {string} with initial events:", async function (this: AngzarrWorld, domain: string, table: DataTable) {
  const rows = table.hashes();
  const { root } = this.useAggregate(domain, "merge");
  const book = await this.seedFacts(
    domain,
    root,
    rows.map((row) => ({ type: row.type!, data: this.correlation(`seed-${row.sequence}`) })),
  );
  expect(book?.pages.map(pageSequence)).to.deep.equal(rows.map((row) => Number(row.sequence)));
});

Given("a new aggregate with no events", function (this: AngzarrWorld) {
  this.newAggregate("orders");
});

Given("the aggregate is at sequence {int}", async function (this: AngzarrWorld, n: number) {
  const { domain, root } = this.requireCurrent();
  const now = await this.currentSequence(domain, root);
  if (now < n) await this.seedFacts(domain, root, this.seedPlan(domain, n - now, now));
  expect(await this.currentSequence(domain, root)).to.equal(n);
});

// The counter is an order's item count: OrderCreated, then ItemAdded with the value as quantity.
Given("a counter aggregate at value {int}", async function (this: AngzarrWorld, value: number) {
  const { domain, root } = this.newAggregate("orders");
  const codec = codecFor("ItemAdded", domain);
  await this.seedFacts(domain, root, [
    { type: "OrderCreated", data: this.correlation("counter") },
    { type: "ItemAdded", message: codec.fromPartial({ sku: skuFor(this, "counter"), quantity: value }) },
  ]);
});

// The set is an order's SKUs.
Given("a set aggregate containing [{string}, {string}]", async function (this: AngzarrWorld, a: string, b: string) {
  const { domain, root } = this.newAggregate("orders");
  const codec = codecFor("ItemAdded", domain);
  await this.seedFacts(domain, root, [
    { type: "OrderCreated", data: this.correlation("set") },
    ...[a, b].map((name) => ({ type: "ItemAdded", message: codec.fromPartial({ sku: skuFor(this, name), quantity: 1 }) })),
  ]);
});

// A snapshot for real: the handler's Checkpoint command after `n` events records CheckpointTaken
// at n and a snapshot at n. The snapshot is confirmed through a stale command's refusal, whose
// details carry the state as loaded (snapshot plus later pages); queries never return snapshots.
Given("an aggregate with snapshot at sequence {int}", { timeout: STALE_STEP_TIMEOUT_MS }, async function (this: AngzarrWorld, n: number) {
  const { domain, root } = this.newAggregate("orders");
  await this.seedFacts(domain, root, this.seedPlan(domain, n));
  await this.execute({ domain, root, type: "Checkpoint", message: sampleMessage(codecFor("Checkpoint", domain)), sequence: n });
  try {
    await this.execute({ ...addItem(this, 0), mergeStrategy: MergeStrategy.MERGE_STRICT });
    throw new Error("the stale probe command was accepted");
  } catch (err) {
    expect(err).to.be.instanceOf(GrpcError);
    expect((err as GrpcError).currentState?.snapshot?.sequence, "snapshot sequence").to.equal(n);
  }
});

Given("events at sequences {int}, {int}", async function (this: AngzarrWorld, a: number, b: number) {
  const { domain, root } = this.requireCurrent();
  const book = await this.seedFacts(domain, root, this.seedPlan(domain, 2, 1));
  expect(book?.pages.map(pageSequence)).to.deep.equal([a, b]);
});

Given("the next expected sequence is {int}", async function (this: AngzarrWorld, n: number) {
  const { domain, root } = this.requireCurrent();
  expect(await this.currentSequence(domain, root)).to.equal(n);
});

// ---- Given: commands ------------------------------------------------------------------------

Given("a command targeting sequence {int}", function (this: AngzarrWorld, n: number) {
  ms(this).pending = { label: "command", command: addItem(this, n), ran: false };
});

Given("the command targets sequence {int}", function (this: AngzarrWorld, n: number) {
  pending(this).command.sequence = n;
});

Given("a command with merge_strategy {word}", function (this: AngzarrWorld, word: string) {
  pending(this).command.mergeStrategy = strategyOf(word);
});

// No withMergeStrategy call: the page carries the enum's zero value.
Given("a command with no explicit merge_strategy", function (this: AngzarrWorld) {
  pending(this).command.mergeStrategy = undefined;
});

Given("the aggregate accepts the command", function (this: AngzarrWorld) {
  const cmd = pending(this);
  cmd.command = { ...addItem(this, cmd.command.sequence), mergeStrategy: cmd.command.mergeStrategy };
});

// CreateOrder on an order that exists: the handler refuses it ("order already exists").
Given("the aggregate rejects due to state conflict", function (this: AngzarrWorld) {
  const cmd = pending(this);
  const { domain, root } = this.requireCurrent();
  cmd.command = {
    domain,
    root,
    type: "CreateOrder",
    message: sampleMessage(codecFor("CreateOrder", domain), this.correlation("again")),
    sequence: cmd.command.sequence,
    mergeStrategy: cmd.command.mergeStrategy,
  };
});

// A CommandBook (the wire message) whose page list is empty.
Given("a CommandBook with no pages", function (this: AngzarrWorld) {
  const { domain, root } = this.newAggregate("orders");
  ms(this).book = { cover: makeCover({ domain, root }), pages: [] };
});

// | amount |: AddItem quantities on the counter order, all at its current sequence.
Given("two concurrent IncrementBy commands:", async function (this: AngzarrWorld, table: DataTable) {
  const { domain, root } = this.requireCurrent();
  const at = await this.currentSequence(domain, root);
  ms(this).batch = table.hashes().map((row, i) => ({
    label: `IncrementBy ${row.amount}`,
    command: addItem(this, at, { sku: skuFor(this, `increment-${i}`), quantity: Number(row.amount) }),
    ran: false,
  }));
});

// | quantity |: AddItem of the same SKU, all at the set order's current sequence.
Given("two concurrent AddItem commands for {string}:", async function (this: AngzarrWorld, name: string, table: DataTable) {
  const { domain, root } = this.requireCurrent();
  const at = await this.currentSequence(domain, root);
  ms(this).batch = table.hashes().map((row, i) => ({
    label: `AddItem ${name} #${i + 1}`,
    command: addItem(this, at, { sku: skuFor(this, name), quantity: Number(row.quantity ?? 1) }),
    ran: false,
  }));
});

// | command | merge_strategy |: each row an AddItem labelled with the row's command name.
Given("commands for the same aggregate:", function (this: AngzarrWorld, table: DataTable) {
  ms(this).batch = table.hashes().map((row) => ({
    label: row.command!,
    command: { ...addItem(this, 0), mergeStrategy: strategyOf(row.merge_strategy!) },
    ran: false,
  }));
});

// ---- When -----------------------------------------------------------------------------------

When("a {word} command targets sequence {int}", async function (this: AngzarrWorld, word: string, n: number) {
  const { domain, root } = this.requireCurrent();
  const now = await this.currentSequence(domain, root);
  const command = now === 0 ? { ...this.commandFor(domain, { sequence: n }), root } : addItem(this, n);
  await run(this, { label: `${word} command`, command: { ...command, mergeStrategy: strategyOf(word) }, ran: false });
});

When("the coordinator processes the command", async function (this: AngzarrWorld) {
  await run(this, pending(this));
});

When("the command uses merge_strategy {word}", async function (this: AngzarrWorld, word: string) {
  const cmd = pending(this);
  cmd.command.mergeStrategy = strategyOf(word);
  await run(this, cmd);
});

When("both commands use merge_strategy {word}", function (this: AngzarrWorld, word: string) {
  const batch = ms(this).batch;
  expect(batch).to.have.length(2);
  for (const cmd of batch) cmd.command.mergeStrategy = strategyOf(word);
});

// In table order, each at the sequence it was built for (as two clients that read the same
// state would send them); one after the other so "first" and "second" are well defined.
When("both are processed", { timeout: STALE_STEP_TIMEOUT_MS }, async function (this: AngzarrWorld) {
  for (const cmd of ms(this).batch) await run(this, cmd);
});

// Every row at a stale sequence (1; the aggregate is further on).
When("processed with sequence conflicts", { timeout: STALE_STEP_TIMEOUT_MS }, async function (this: AngzarrWorld) {
  const { domain, root } = this.requireCurrent();
  expect(await this.currentSequence(domain, root)).to.be.greaterThan(1);
  for (const cmd of ms(this).batch) {
    cmd.command.sequence = 1;
    await run(this, cmd);
  }
});

// The coordinator's own extraction (the strategy of the first page, COMMUTATIVE by default).
When("merge_strategy is extracted", function (this: AngzarrWorld) {
  const s = ms(this);
  if (!s.book) throw new Error("no CommandBook");
  s.extracted = mergeStrategyOf(s.book.pages[0]?.mergeStrategy);
});

// GrpcError.currentState: the EventBook in the refusal's grpc-status-details-bin.
When("the client extracts the EventBook from the error", function (this: AngzarrWorld) {
  const err = failed(last(this));
  expect(err).to.be.instanceOf(GrpcError);
  const book = (err as GrpcError).currentState;
  if (!book) throw new Error("the refusal carries no EventBook");
  ms(this).extractedBook = book;
});

When("rebuilds the command with sequence {int}", function (this: AngzarrWorld, n: number) {
  const book = ms(this).extractedBook;
  if (!book) throw new Error("no EventBook was extracted");
  expect(n, "the extracted EventBook's next sequence").to.equal(book.nextSequence);
  const cmd = last(this);
  ms(this).pending = { label: "retried command", command: { ...cmd.command, sequence: n }, ran: false };
});

When("resubmits the command", async function (this: AngzarrWorld) {
  await run(this, pending(this));
});

// ---- Then: outcome of the last command ------------------------------------------------------

Then("the command succeeds", function (this: AngzarrWorld) {
  expect(succeeded(last(this)).events?.pages.length).to.be.greaterThan(0);
});

Then("the retried command succeeds", function (this: AngzarrWorld) {
  const cmd = last(this);
  expect(cmd.label).to.equal("retried command");
  expect(succeeded(cmd).events?.pages.length).to.be.greaterThan(0);
});

// "retryable" is not a status: the refusal is one the SDK says can be retried (after a
// refresh). The contract's "fails with retryable status" also matches this step.
Then("the command fails with {word} status", function (this: AngzarrWorld, word: string) {
  const err = failed(last(this));
  if (word === "retryable") {
    expect(err.isRetryable(), describeError(err)).to.equal(true);
    return;
  }
  expect(err.code, describeError(err)).to.equal(sdk.Status[word as keyof typeof sdk.Status]);
});

Then("the response status is {word}", function (this: AngzarrWorld, word: string) {
  const cmd = last(this);
  if (word === "OK") {
    succeeded(cmd);
    return;
  }
  expect(failed(cmd).code, describeError(cmd.error)).to.equal(sdk.Status[word as keyof typeof sdk.Status]);
});

// "success": accepted with events; "rejected": refused.
Then("the result is {word}", function (this: AngzarrWorld, word: string) {
  const cmd = last(this);
  if (word === "success") expect(succeeded(cmd).events?.pages.length).to.be.greaterThan(0);
  else if (word === "rejected") failed(cmd);
  else throw new Error(`no result named ${word}`);
});

// Our outline's behaviours: "refused with the current state" (FAILED_PRECONDITION carrying the
// EventBook) and "decided by the aggregate" (the handler's events at the real next sequence).
Then("the behavior is {}", async function (this: AngzarrWorld, behavior: string) {
  const cmd = last(this);
  if (behavior === "refused with the current state") {
    const err = failed(cmd) as GrpcError;
    expect(err.currentState?.nextSequence).to.equal(cmd.before);
    expect(await storedCount(this, cmd)).to.equal(cmd.before);
  } else if (behavior === "decided by the aggregate") {
    const pages = succeeded(cmd).events!.pages;
    expect(pageSequence(pages[0]!)).to.equal(cmd.before);
  } else {
    throw new Error(`no behaviour named ${JSON.stringify(behavior)}`);
  }
});

Then("the error message contains {string}", function (this: AngzarrWorld, text: string) {
  expect(failed(last(this)).message).to.include(text);
});

Then("the error is marked as retryable", function (this: AngzarrWorld) {
  const err = failed(last(this));
  expect(err.isRetryable(), describeError(err)).to.equal(true);
  expect(err.retryKind).to.equal("after-refresh");
});

Then("the error details include the current EventBook", async function (this: AngzarrWorld) {
  const cmd = last(this);
  const err = failed(cmd);
  expect(err).to.be.instanceOf(GrpcError);
  const book = (err as GrpcError).currentState;
  if (!book) throw new Error("the refusal carries no EventBook");
  const stored = await this.readBook(cmd.command.domain, cmd.command.root);
  expect(book.pages.map(pageSequence)).to.deep.equal(stored.pages.map(pageSequence));
});

Then("the EventBook shows next_sequence {int}", function (this: AngzarrWorld, n: number) {
  const err = failed(last(this)) as GrpcError;
  expect(err.currentState?.nextSequence).to.equal(n);
});

Then("the command fails with aggregate's error", function (this: AngzarrWorld) {
  const err = failed(last(this));
  expect(err.message).to.include("order already exists");
  expect(err.message).to.not.include("Sequence mismatch");
});

// ---- Then: the store ------------------------------------------------------------------------

Then("no events are persisted", async function (this: AngzarrWorld) {
  const cmd = last(this);
  expect(await storedCount(this, cmd)).to.equal(cmd.before);
});

Then("events are persisted", async function (this: AngzarrWorld) {
  const cmd = last(this);
  const produced = succeeded(cmd).events!.pages.length;
  expect(produced).to.be.greaterThan(0);
  expect(await storedCount(this, cmd)).to.equal(cmd.before! + produced);
});

// At the aggregate's real next sequence, whatever the command said.
Then("events are persisted at the correct sequence", async function (this: AngzarrWorld) {
  const cmd = last(this);
  const pages = succeeded(cmd).events!.pages;
  expect(pages.map(pageSequence)).to.deep.equal(pages.map((_, i) => cmd.before! + i));
  const stored = await this.readBook(cmd.command.domain, cmd.command.root);
  expect(stored.pages.slice(cmd.before).map(pageSequence)).to.deep.equal(pages.map(pageSequence));
});

// ---- Then: AGGREGATE_HANDLES ----------------------------------------------------------------

// A command at a stale sequence was accepted.
Then("the coordinator does NOT validate the sequence", function (this: AngzarrWorld) {
  const cmd = last(this);
  expect(cmd.command.sequence).to.not.equal(cmd.before);
  succeeded(cmd);
});

// Only the handler makes ItemAdded carrying the command's SKU.
Then("the aggregate handler is invoked", function (this: AngzarrWorld) {
  const cmd = last(this);
  const pages = succeeded(cmd).events!.pages;
  expect(pages.map((p) => shortName(pageTypeName(p)))).to.deep.equal(["ItemAdded"]);
  const codec = codecFor("ItemAdded", "orders");
  const page = pages[0]!;
  const event = page.payload?.$case === "event" ? (codec.decode(page.payload.value.value) as { sku: string }) : undefined;
  expect(event?.sku).to.equal((cmd.command.message as { sku: string }).sku);
});

// The orders handler refuses AddItem for an order without history ("order does not exist"):
// accepting it shows the handler got the prior events, and numbered its event after them.
Then("the aggregate receives the prior EventBook", function (this: AngzarrWorld) {
  const cmd = last(this);
  expect(cmd.command.type).to.equal("AddItem");
  expect(cmd.before).to.be.greaterThan(0);
  expect(pageSequence(succeeded(cmd).events!.pages[0]!)).to.equal(cmd.before);
});

// ---- Then: tables ---------------------------------------------------------------------------

Then("both commands succeed", function (this: AngzarrWorld) {
  const batch = ms(this).batch;
  expect(batch).to.have.length(2);
  for (const cmd of batch) succeeded(cmd);
});

Then("no sequence conflicts occur", async function (this: AngzarrWorld) {
  const batch = ms(this).batch;
  for (const cmd of batch) expect(cmd.error, cmd.label).to.equal(undefined);
  const { domain, root } = this.requireCurrent();
  const stored = await this.readBook(domain, root);
  const sequences = stored.pages.map(pageSequence);
  expect(sequences).to.deep.equal(sequences.map((_, i) => i));
});

// The counter: the sum of the order's ItemAdded quantities.
Then("the final counter value is {int}", async function (this: AngzarrWorld, value: number) {
  const { domain, root } = this.requireCurrent();
  const codec = codecFor("ItemAdded", domain);
  const stored = await this.readBook(domain, root);
  const total = stored.pages
    .filter((p) => shortName(pageTypeName(p)) === "ItemAdded")
    .reduce((sum, p) => sum + (p.payload?.$case === "event" ? (codec.decode(p.payload.value.value) as { quantity: number }).quantity : 0), 0);
  expect(total).to.equal(value);
});

Then("the first command succeeds with ItemAdded event", function (this: AngzarrWorld) {
  const first = ms(this).batch[0]!;
  expect(succeeded(first).events!.pages.map((p) => shortName(pageTypeName(p)))).to.deep.equal(["ItemAdded"]);
});

Then("the set contains [{string}, {string}, {string}]", async function (this: AngzarrWorld, a: string, b: string, c: string) {
  const { domain, root } = this.requireCurrent();
  const codec = codecFor("ItemAdded", domain);
  const stored = await this.readBook(domain, root);
  const skus = stored.pages
    .filter((p) => shortName(pageTypeName(p)) === "ItemAdded")
    .map((p) => (p.payload?.$case === "event" ? (codec.decode(p.payload.value.value) as { sku: string }).sku : ""));
  expect(new Set(skus)).to.deep.equal(new Set([a, b, c].map((name) => skuFor(this, name))));
});

// A CommandBook given directly, or the request our builder builds for the last command (the
// same builder execute() sends); read with the coordinator's own extraction.
Then("the effective merge_strategy is {word}", async function (this: AngzarrWorld, word: string) {
  const s = ms(this);
  let strategy = s.extracted;
  if (strategy === undefined) {
    const { command } = last(this);
    let builder = (await this.seeder())
      .command(command.domain, command.root)
      .withCommand(codecFor(command.type, command.domain), command.message)
      .withSequence(command.sequence);
    if (command.mergeStrategy !== undefined) builder = builder.withMergeStrategy(command.mergeStrategy);
    strategy = mergeStrategyOf(builder.build().command?.pages[0]?.mergeStrategy);
  }
  expect(strategy).to.equal(strategyOf(word));
});

// ---- Then: per-command strategies -----------------------------------------------------------

// Refused on the first answer: FAILED_PRECONDITION "Sequence mismatch", nothing stored.
Then("ReserveFunds is rejected immediately", function (this: AngzarrWorld) {
  const cmd = byLabel(this, "ReserveFunds");
  expect(cmd.command.mergeStrategy).to.equal(MergeStrategy.MERGE_STRICT);
  const err = failed(cmd);
  expect(err.isPreconditionFailed(), describeError(err)).to.equal(true);
  expect(err.message).to.include("Sequence mismatch");
});

// Refused, retryable after a refresh: the same command resent through the SDK's
// retryOnSequenceMismatch (which retries at the sequence of the refusal's EventBook) succeeds.
Then("AddBonusPoints is retryable", { timeout: STALE_STEP_TIMEOUT_MS }, async function (this: AngzarrWorld) {
  const cmd = byLabel(this, "AddBonusPoints");
  expect(cmd.command.mergeStrategy).to.equal(MergeStrategy.MERGE_COMMUTATIVE);
  const err = failed(cmd);
  expect(err.isRetryable(), describeError(err)).to.equal(true);
  const { command } = cmd;
  const response = await (
    await this.seeder()
  )
    .command(command.domain, command.root)
    .withCommand(codecFor(command.type, command.domain), command.message)
    .withSequence(command.sequence)
    .withMergeStrategy(command.mergeStrategy!)
    .retryOnSequenceMismatch(3)
    .execute();
  expect(response.events!.pages.length).to.be.greaterThan(0);
  expect(pageSequence(response.events!.pages[0]!)).to.be.greaterThan(command.sequence);
});

Then("IncrementVisits delegates to aggregate", function (this: AngzarrWorld) {
  const cmd = byLabel(this, "IncrementVisits");
  expect(cmd.command.mergeStrategy).to.equal(MergeStrategy.MERGE_AGGREGATE_HANDLES);
  const pages = succeeded(cmd).events!.pages;
  expect(pageSequence(pages[0]!)).to.equal(cmd.before);
});

// ---- sagas ----------------------------------------------------------------------------------
// The example saga orders-inventory turns ItemAdded into ReserveStock on the SKU's inventory
// aggregate. Its commands are stamped angzarr_deferred by the coordinator and numbered at the
// destination's next sequence when they run (COORDINATOR.md §10.1), so a destination that moved
// on is read fresh rather than refused; the 0.5.1 pipeline never needs a retry for it.

// What the real saga emits for an ItemAdded (asked through the speculative service), checked
// for the strategy its command pages carry.
Given("a saga emits a command with merge_strategy {word}", async function (this: AngzarrWorld, word: string) {
  const sku = skuFor(this, "saga-item");
  const codec = codecFor("ItemAdded", "orders");
  const { root } = this.requireCurrent();
  const source = makeEventBook(makeCover({ domain: "orders", root }), [makeEventPage(0, pack(codec, codec.fromPartial({ sku, quantity: 1 })))]);
  const speculative = (this.speculativeClient ??= await this.connectSpeculative());
  const response = await speculative.speculateSaga({
    source,
    syncMode: SyncMode.SYNC_MODE_ASYNC,
    cascadeErrorMode: CascadeErrorMode.CASCADE_ERROR_FAIL_FAST,
    destinationSequences: {},
  });
  expect(response.commands).to.have.length(1);
  const pages = response.commands[0]!.pages;
  expect(pages.length).to.be.greaterThan(0);
  for (const page of pages) expect(mergeStrategyOf(page.mergeStrategy)).to.equal(strategyOf(word));
});

// The inventory aggregate of the saga's SKU already holds two reservations.
Given("the destination aggregate has advanced", async function (this: AngzarrWorld) {
  const sku = skuFor(this, "saga-item");
  const codec = codecFor("StockReserved", "inventory");
  const message = codec.fromPartial({ orderId: "earlier", sku, quantity: 1 });
  await this.seedFacts("inventory", computeRoot("inventory", sku), [
    { type: "StockReserved", message },
    { type: "StockReserved", message },
  ]);
});

// AddItem of the saga's SKU on the current order with CASCADE: the saga's command has run when
// the call returns.
When("the saga coordinator executes the command", async function (this: AngzarrWorld) {
  const { domain, root } = this.requireCurrent();
  const at = await this.currentSequence(domain, root);
  const command = { ...addItem(this, at, { sku: skuFor(this, "saga-item") }), syncMode: SyncMode.SYNC_MODE_CASCADE };
  await run(this, { label: "saga source command", command, ran: false });
  succeeded(last(this));
});

// ReserveStock was stored after the two earlier reservations: at the destination's current
// next sequence, read when the command ran.
Then("the saga fetches fresh destination state", async function (this: AngzarrWorld) {
  const book = await this.readBook("inventory", computeRoot("inventory", skuFor(this, "saga-item")));
  expect(book.pages.map(pageSequence)).to.deep.equal([0, 1, 2]);
  const codec = codecFor("StockReserved", "inventory");
  const page = book.pages[2]!;
  const reserved = page.payload?.$case === "event" ? (codec.decode(page.payload.value.value) as { orderId: string }) : undefined;
  expect(reserved?.orderId).to.equal(this.requireCurrent().root);
});

// ---- an idempotent set ----------------------------------------------------------------------
// The set aggregate of set-backend.ts adds a member once: adding one it holds emits no event.

type SetScenario = NonNullable<MsState["set"]>;

function requireSet(world: AngzarrWorld): SetScenario {
  const set = ms(world).set;
  if (!set) throw new Error("no set aggregate was set up");
  return set;
}

async function setBook(set: SetScenario): Promise<EventBook> {
  return set.queries.query("set", set.root).getEventBook({ timeoutMs: CALL_TIMEOUT_MS });
}

function membersOf(book: EventBook): string[] {
  return book.pages.map((p) => (p.payload?.$case === "event" ? ItemAdded.decode(p.payload.value.value).member! : ""));
}

/** AddItem of `member` on the set at `sequence`, with `strategy`; before/after read from the store. */
async function addToSet(world: AngzarrWorld, label: string, member: string, sequence: number, strategy: MergeStrategy): Promise<MsCommand> {
  const set = requireSet(world);
  const cmd: MsCommand = {
    label,
    command: { domain: "set", root: set.root, type: "AddItem", message: { member }, sequence, mergeStrategy: strategy },
    ran: true,
  };
  cmd.before = sdk.nextSequence(await setBook(set));
  try {
    cmd.response = await set.commands
      .command("set", set.root)
      .withCommand(AddItem, { member })
      .withSequence(sequence)
      .withMergeStrategy(strategy)
      .execute({ timeoutMs: CALL_TIMEOUT_MS });
  } catch (err) {
    expect(isClientError(err), `expected a ClientError, got ${String(err)}`).to.equal(true);
    cmd.error = err;
  }
  cmd.after = sdk.nextSequence(await setBook(set));
  ms(world).last = cmd;
  return cmd;
}

Given("an idempotent set aggregate containing [{string}, {string}]", async function (this: AngzarrWorld, a: string, b: string) {
  const backend = await setBackend();
  const root = this.rootFor("set", "wishes");
  ms(this).set = {
    root,
    backend,
    commands: this.track(sdk.CommandHandlerClient.connect(backend.endpoint)),
    queries: this.track(sdk.QueryClient.connect(backend.endpoint)),
  };
  for (const [i, member] of [a, b].entries()) succeeded(await addToSet(this, `seed ${member}`, member, i, MergeStrategy.MERGE_COMMUTATIVE));
  expect(membersOf(await setBook(requireSet(this)))).to.deep.equal([a, b]);
});

// Both read the set at the same sequence, then send their AddItem one after the other.
When("two clients that read the set add {string} with merge_strategy {word}", async function (this: AngzarrWorld, member: string, word: string) {
  const at = sdk.nextSequence(await setBook(requireSet(this)));
  const s = ms(this);
  s.batch = [];
  for (const client of ["A", "B"]) s.batch.push(await addToSet(this, `AddItem ${member} by ${client}`, member, at, strategyOf(word)));
});

// Accepted, with an empty event list, and the set's stream did not move.
Then("the second command succeeds with no event \\(idempotent)", function (this: AngzarrWorld) {
  const second = ms(this).batch[1];
  if (!second) throw new Error("no second command ran");
  expect(succeeded(second).events?.pages ?? [], "events of the second command").to.deep.equal([]);
  expect(second.after, "the set's next sequence after the second command").to.equal(second.before);
});

Given("a saga that adds {string} to that set", function (this: AngzarrWorld, member: string) {
  requireSet(this).wished = member;
});

// The saga's AddItem is held inside the set's handler (its first attempt read the set at N);
// meanwhile the other coordinator injects a fact into the set, stored at N. Then the held
// attempt answers, and its event at N no longer fits.
When("another coordinator on the same store appends to the set while the saga's command runs", async function (this: AngzarrWorld) {
  const set = requireSet(this);
  const member = set.wished;
  if (!member) throw new Error("no saga adds a member to the set");
  const before = sdk.nextSequence(await setBook(set));
  const hold = holdNextAttempt(member);
  const source = makeEventBook(
    makeCover({ domain: "wishlist", root: this.rootFor("wishlist", "wishes"), correlationId: this.correlation("wishlist") }),
    [makeEventPage(0, packAny(ItemWished, { setId: set.root, member }))],
  );
  const saga = runSaga(set.backend.endpoint, source).then(
    () => undefined,
    (err: unknown) => err ?? new Error("the saga call failed"),
  );
  const first = await Promise.race([hold.entered.then(() => "entered" as const), saga.then(() => "ended" as const)]);
  if (first !== "entered") {
    hold.release();
    throw new Error(`the saga call ended before its command reached the set: ${describeError(await saga)}`);
  }
  const other = this.track(sdk.CommandHandlerClient.connect(set.backend.otherEndpoint));
  const injected = await other.injectFact(
    { domain: "set", root: set.root, externalId: this.correlation("concurrent"), events: [packAny(ItemAdded, { member: "concurrent" })] },
    { timeoutMs: CALL_TIMEOUT_MS },
  );
  expect(injected.events?.pages.map(pageSequence)).to.deep.equal([before]);
  hold.release();
  ms(this).race = { before, error: await saga };
});

// The held attempt's event lost the race (Sequence conflict, FAILED_PRECONDITION); the
// coordinator running the saga's command retried it in its backoff loop (COORDINATOR.md §5.6):
// the second attempt read the set after the concurrent write, and its event follows it.
Then("the saga retries with backoff", async function (this: AngzarrWorld) {
  const set = requireSet(this);
  const race = ms(this).race;
  if (!race) throw new Error("no saga raced a concurrent write");
  expect(race.error, "the saga call failed").to.equal(undefined);
  expect(
    attemptsFor(set.root, set.wished!).map((a) => a.nextSequence),
    "the set handler's attempts",
  ).to.deep.equal([race.before, race.before + 1]);
  const book = await setBook(set);
  expect(book.pages.map(pageSequence)).to.deep.equal(Array.from({ length: race.before + 2 }, (_, i) => i));
  expect(membersOf(book).slice(race.before)).to.deep.equal(["concurrent", set.wished]);
});
