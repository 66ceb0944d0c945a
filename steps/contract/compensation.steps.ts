/**
 * Steps of the shared compensation.feature phrasings (engineer A's share). Rejections are real: an
 * SDK SagaRouter / ProcessManagerRouter emits the command, an SDK CommandRouter of the target domain
 * refuses it. The Notification is built as the 0.5.1 framework builds it (COORDINATOR.md §13.1, see
 * support/a-compensation.ts) and read back through the SDK's CompensationContext; delivery goes to an
 * SDK CommandRouter's onRejected handler and, for orders, through the coordinator's HandleCompensation.
 *
 * Idiom mapping: the contract's snake_case fields (rejected_command, rejection_reason, sent_at,
 * type_url, source_event_sequence) are the proto fields; our generated code spells them camelCase.
 * "saga_origin" / "source_aggregate" / "triggering_aggregate" are, in the 0.5.1 protocol, the
 * rejected command's angzarr_deferred{source, source_seq} header (RejectionNotification fields 3-6,
 * issuer_* and source_* of older protos, are reserved in 0.5.1).
 */
import { Given, Then, When } from "@cucumber/cucumber";
import { expect } from "chai";
import { computeRoot, coverRoot, timestampToDate, typeNameFromUrl } from "../../src/core/index.js";
import { CompensationContext } from "../../src/handlers/compensation.js";
import { CommandRejectedError } from "../../src/errors.js";
import { CommandBook, MergeStrategy, RejectionNotification } from "../../src/gen/angzarr/types.js";
import { ReserveStock } from "../../examples/gen/examples/inventory.js";
import { AngzarrWorld } from "../support/world.js";
import {
  buildContext,
  buildNotification,
  buildRejection,
  comp,
  compensateInProcess,
  deliverThroughCoordinator,
  emitPmCommand,
  emitSagaCommand,
  notificationCommandBook,
  originOf,
  rejectCommand,
  requireContext,
  runNestedSagas,
  type CompScenario,
} from "./support/a-compensation.js";

/** Two command books are the same when their wire encodings are (decoded copies carry $type markers). */
function expectSameCommand(got: CommandBook | undefined, want: CommandBook | undefined): void {
  expect(got, "a rejected command").to.not.equal(undefined);
  expect(want, "the original command").to.not.equal(undefined);
  expect(Buffer.from(CommandBook.encode(got!).finish()).toString("hex")).to.equal(Buffer.from(CommandBook.encode(want!).finish()).toString("hex"));
}

// ---- Given ---------------------------------------------------------------------------------

Given("a compensation handling context", function (this: AngzarrWorld) {
  // The scenario's compensation state: source aggregate, correlation, the saga and the reason.
  const s = comp(this);
  expect(s.sourceRoot).to.match(/^[0-9a-f-]{36}$/);
});

Given("a saga command that was rejected", async function (this: AngzarrWorld) {
  await rejectCommand(comp(this));
});

Given(
  "a saga {string} triggered by {string} aggregate at sequence {int}",
  async function (this: AngzarrWorld, saga: string, domain: string, seq: number) {
    const s = comp(this);
    Object.assign(s, { sagaName: saga, sourceDomain: domain, sourceRoot: computeRoot(domain, `src-${this.nonce}`), sourceSeq: seq });
    await emitSagaCommand(s);
  },
);

Given("the saga command was rejected", async function (this: AngzarrWorld) {
  await rejectCommand(comp(this));
});

Given("the command was rejected", async function (this: AngzarrWorld) {
  await rejectCommand(comp(this));
});

Given("a saga command with correlation ID {string}", async function (this: AngzarrWorld, id: string) {
  const s = comp(this);
  s.correlationId = id;
  await emitSagaCommand(s);
});

Given("a saga command with specific payload", async function (this: AngzarrWorld) {
  const s = comp(this);
  s.sku = `sku-specific-${this.nonce}`;
  s.quantity = 17;
  await emitSagaCommand(s);
});

Given("a CompensationContext for rejected command", async function (this: AngzarrWorld) {
  const s = comp(this);
  await rejectCommand(s);
  buildContext(s);
});

Given("a CompensationContext from saga {string}", async function (this: AngzarrWorld, saga: string) {
  const s = comp(this);
  s.sagaName = saga;
  await rejectCommand(s);
  buildContext(s);
});

Given("a CompensationContext from {string} aggregate at sequence {int}", async function (this: AngzarrWorld, domain: string, seq: number) {
  const s = comp(this);
  Object.assign(s, { sourceDomain: domain, sourceRoot: computeRoot(domain, `src-${this.nonce}`), sourceSeq: seq });
  await rejectCommand(s);
  buildContext(s);
});

Given("a CompensationContext from {string} aggregate root {string}", async function (this: AngzarrWorld, domain: string, root: string) {
  // Roots are UUIDs in Angzarr; a name like "order-123" maps to the SDK's computeRoot(domain, name).
  const s = comp(this);
  Object.assign(s, { sourceDomain: domain, sourceRoot: computeRoot(domain, root) });
  await rejectCommand(s);
  buildContext(s);
});

Given("a command rejected with reason {string}", async function (this: AngzarrWorld, reason: string) {
  const s = comp(this);
  s.reason = reason;
  await rejectCommand(s);
});

const STRUCTURED = { code: "INSUFFICIENT_STOCK", sku: "", requested: 2, available: 0, warehouse: "north-1" };

Given("a command rejected with structured reason", async function (this: AngzarrWorld) {
  const s = comp(this);
  s.reason = JSON.stringify({ ...STRUCTURED, sku: s.sku });
  await rejectCommand(s);
});

Given("a nested saga scenario", function (this: AngzarrWorld) {
  const s = comp(this);
  s.reason = "order is not validated";
  expect(s.outer).to.equal(undefined);
});

Given("an inner saga command was rejected", async function (this: AngzarrWorld) {
  await runNestedSagas(comp(this));
});

Given("a saga router handling rejections", function (this: AngzarrWorld) {
  // The source aggregate's router: compensates a ReserveStock refused by inventory.
  comp(this).rejectionRouter = "saga";
});

Given("a process manager router", function (this: AngzarrWorld) {
  // The process manager's own aggregate compensates: its commands' origin is the PM's cover.
  const s = comp(this);
  s.issuer = "process_manager";
  s.rejectionRouter = "process_manager";
});

// ---- When ----------------------------------------------------------------------------------

When("a command execution fails with precondition error", async function (this: AngzarrWorld) {
  const s = comp(this);
  s.reason = "insufficient stock for reservation";
  const rejection = await rejectCommand(s);
  expect(rejection.code).to.equal(9); // FAILED_PRECONDITION
});

When("a PM command is rejected", async function (this: AngzarrWorld) {
  const s = comp(this);
  s.reason = "warehouse closed";
  await emitPmCommand(s);
  await rejectCommand(s);
});

When("I build a {word}", function (this: AngzarrWorld, what: string) {
  const s = comp(this);
  switch (what) {
    case "CompensationContext":
      buildContext(s);
      return;
    case "RejectionNotification":
      buildRejection(s);
      return;
    case "Notification":
      buildNotification(s);
      return;
    default:
      throw new Error(`no builder for ${what}`);
  }
});

When("I build a Notification from a CompensationContext", function (this: AngzarrWorld) {
  buildFromContext(comp(this));
});

When("I build a Notification from the context", function (this: AngzarrWorld) {
  buildFromContext(comp(this));
});

/** A fresh Notification from what the context holds (its rejected command and reason). */
function buildFromContext(s: CompScenario): void {
  const context = requireContext(s);
  expect(context.rejectedCommand, "the context holds the rejected command").to.not.equal(undefined);
  s.notification = undefined;
  s.rejection = new CommandRejectedError(context.reason);
  s.command = context.rejectedCommand;
  buildNotification(s);
  buildRejection(s);
}

When("I build a notification CommandBook", function (this: AngzarrWorld) {
  const s = comp(this);
  const notification = s.notification ?? buildNotification(s);
  s.notificationBook = notificationCommandBook(notification, s.command!);
});

// ---- Then: the context ---------------------------------------------------------------------

function ctx(world: AngzarrWorld): CompensationContext {
  const s = comp(world);
  if (!s.context) throw new Error("no CompensationContext was built");
  return s.context;
}

Then("the context should include the rejected command", function (this: AngzarrWorld) {
  const s = comp(this);
  expectSameCommand(ctx(this).rejectedCommand, s.command);
  expect(ctx(this).rejectedCommandType).to.equal(ReserveStock.$type);
});

Then("the context should include the rejection reason", function (this: AngzarrWorld) {
  const s = comp(this);
  expect(ctx(this).reason).to.equal(s.reason);
});

Then("the context should include the saga origin", function (this: AngzarrWorld) {
  const s = comp(this);
  const c = ctx(this);
  expect(c.sourceCover?.domain).to.equal(s.sourceDomain);
  expect(coverRoot(c.sourceCover)).to.equal(s.sourceRoot);
  expect(c.sourceSequence).to.equal(s.sourceSeq);
});

Then("the triggering_aggregate should be {string}", function (this: AngzarrWorld, domain: string) {
  expect(ctx(this).sourceCover?.domain).to.equal(domain);
});

Then("the triggering_event_sequence should be {int}", function (this: AngzarrWorld, seq: number) {
  expect(ctx(this).sourceSequence).to.equal(seq);
});

Then("the context correlation_id should be {string}", function (this: AngzarrWorld, id: string) {
  expect(ctx(this).correlationId).to.equal(id);
});

Then("the full saga origin chain should be preserved", function (this: AngzarrWorld) {
  const s = comp(this);
  const c = ctx(this);
  // The inner command's origin is the inventory event the outer saga's command produced...
  expect(c.sourceCover?.domain).to.equal("inventory");
  const cause = s.causes?.get(`${coverRoot(c.sourceCover)}@${c.sourceSequence}`);
  expect(cause, "the inventory event named as origin was caused by the outer saga's command").to.not.equal(undefined);
  // ...whose own origin is the orders event that started the flow.
  const outer = originOf(cause);
  expect(outer.source.domain).to.equal("orders");
  expect(coverRoot(outer.source)).to.equal(s.outer!.root);
  expect(outer.sourceSeq).to.equal(s.outer!.seq);
});

Then("root cause can be traced through the chain", function (this: AngzarrWorld) {
  const s = comp(this);
  const c = ctx(this);
  // One correlation id runs through both hops, and the refused command names what the
  // inner saga reacted to: the stock reserved for the order that is now refused.
  expect(c.correlationId).to.equal(s.outer!.correlationId);
  const cause = s.causes!.get(`${coverRoot(c.sourceCover)}@${c.sourceSequence}`)!;
  expect(cause.cover?.correlationId).to.equal(c.correlationId);
  expect(coverRoot(c.rejectedCommand?.cover)).to.equal(s.outer!.root);
  expect(c.reason).to.equal(s.reason);
});

// ---- Then: the RejectionNotification -------------------------------------------------------

function rejection(world: AngzarrWorld): RejectionNotification {
  const s = comp(world);
  if (!s.rejectionNotification) throw new Error("no RejectionNotification was built");
  return s.rejectionNotification;
}

Then("the notification should include the rejected command", function (this: AngzarrWorld) {
  expectSameCommand(rejection(this).rejectedCommand, comp(this).command);
});

Then("the notification should include the rejection reason", function (this: AngzarrWorld) {
  expect(rejection(this).rejectionReason).to.equal(comp(this).reason);
});

Then("the rejected_command should be the original command", function (this: AngzarrWorld) {
  const s = comp(this);
  const got = rejection(this).rejectedCommand!;
  expectSameCommand(got, s.command);
  const payload = got.pages[0]!.payload;
  expect(payload?.$case === "command" ? typeNameFromUrl(payload.value.typeUrl) : "").to.equal(ReserveStock.$type);
});

Then("all command fields should be preserved", function (this: AngzarrWorld) {
  const s = comp(this);
  const payload = rejection(this).rejectedCommand!.pages[0]!.payload;
  expect(payload?.$case).to.equal("command");
  const decoded = ReserveStock.decode(payload?.$case === "command" ? payload.value.value : new Uint8Array());
  expect({ sku: decoded.sku, quantity: decoded.quantity, orderId: decoded.orderId }).to.deep.equal({
    sku: s.sku,
    quantity: s.quantity,
    orderId: s.sourceRoot,
  });
  expect(rejection(this).rejectedCommand!.pages[0]!.mergeStrategy).to.equal(s.command!.pages[0]!.mergeStrategy);
});

Then("the rejection_reason should be {string}", function (this: AngzarrWorld, reason: string) {
  expect(rejection(this).rejectionReason).to.equal(reason);
});

Then("the rejection_reason should contain the full error details", function (this: AngzarrWorld) {
  const parsed = JSON.parse(rejection(this).rejectionReason) as Record<string, unknown>;
  expect(parsed).to.deep.equal({ ...STRUCTURED, sku: comp(this).sku });
});

Then("the source_aggregate should have domain {string}", function (this: AngzarrWorld, domain: string) {
  // 0.5.1: the source aggregate is the angzarr_deferred source of the rejected command.
  expect(originOf(rejection(this).rejectedCommand).source.domain).to.equal(domain);
});

Then("the source_event_sequence should be {int}", function (this: AngzarrWorld, seq: number) {
  expect(originOf(rejection(this).rejectedCommand).sourceSeq).to.equal(seq);
});

// ---- Then: the Notification ----------------------------------------------------------------

function notification(world: AngzarrWorld) {
  const s = comp(world);
  if (!s.notification) throw new Error("no Notification was built");
  return s.notification;
}

Then("the notification should have a cover", function (this: AngzarrWorld) {
  const s = comp(this);
  const cover = notification(this).cover;
  expect(cover?.domain).to.equal(s.sourceDomain);
  expect(coverRoot(cover)).to.equal(s.sourceRoot);
});

Then("the notification payload should contain RejectionNotification", function (this: AngzarrWorld) {
  const payload = notification(this).payload!;
  expect(typeNameFromUrl(payload.typeUrl)).to.equal("angzarr.RejectionNotification");
  expect(RejectionNotification.decode(payload.value).rejectionReason).to.equal(comp(this).reason);
});

Then("the payload type_url should be {string}", function (this: AngzarrWorld, url: string) {
  expect(notification(this).payload?.typeUrl).to.equal(url);
});

Then("the notification should have a sent_at timestamp", function (this: AngzarrWorld) {
  const sentAt = notification(this).sentAt;
  expect(sentAt, "sent_at").to.not.equal(undefined);
  expect(timestampToDate(sentAt!).getTime()).to.be.greaterThan(0);
});

Then("the timestamp should be recent", function (this: AngzarrWorld) {
  const sent = timestampToDate(notification(this).sentAt!).getTime();
  const built = comp(this).builtAt!;
  // Within a minute of when the step built it (no timing assertion on the machine's speed).
  expect(Math.abs(sent - built)).to.be.lessThan(60_000);
});

// ---- Then: the notification CommandBook ----------------------------------------------------

function book(world: AngzarrWorld): CommandBook {
  const s = comp(world);
  if (!s.notificationBook) throw new Error("no notification CommandBook was built");
  return s.notificationBook;
}

Then("the command book should target the source aggregate", function (this: AngzarrWorld) {
  const s = comp(this);
  expect(book(this).cover?.domain).to.equal(s.sourceDomain);
  expect(coverRoot(book(this).cover)).to.equal(s.sourceRoot);
  const payload = book(this).pages[0]!.payload;
  expect(payload?.$case).to.equal("command");
  if (payload?.$case === "command") expect(CompensationContext.fromAny(payload.value)?.reason).to.equal(s.reason);
});

Then("the command book should have {word} strategy", function (this: AngzarrWorld, strategy: string) {
  expect(book(this).pages[0]!.mergeStrategy).to.equal(MergeStrategy[strategy as keyof typeof MergeStrategy]);
});

Then("the command book should preserve correlation ID", function (this: AngzarrWorld) {
  expect(book(this).cover?.correlationId).to.equal(comp(this).correlationId);
  expect(book(this).cover?.correlationId).to.not.equal("");
});

Then("the command book cover should have domain {string}", function (this: AngzarrWorld, domain: string) {
  expect(book(this).cover?.domain).to.equal(domain);
});

Then("the command book cover should have root {string}", function (this: AngzarrWorld, root: string) {
  // "order-123" is a name: the root is computeRoot(domain, name) (see the Given).
  expect(coverRoot(book(this).cover)).to.equal(computeRoot(book(this).cover!.domain, root));
});

// ---- Then: router integration --------------------------------------------------------------

Then("the router should build a CompensationContext", async function (this: AngzarrWorld) {
  // The source aggregate's router (an SDK CommandRouter of the origin's domain, with onRejected)
  // receives the notification CommandBook and builds the CompensationContext for its handler.
  const s = comp(this);
  expect(s.rejectionRouter, "a router handling rejections was set up").to.equal(s.issuer);
  const { context, response } = await compensateInProcess(s);
  expect(response.result?.$case).to.equal("events");
  expect(context, "the rejection handler received a CompensationContext").to.be.instanceOf(CompensationContext);
  expect(context!.reason).to.equal(s.reason);
  expect(context!.rejectedDomain).to.equal("inventory");
  expect(context!.rejectedCommandType).to.equal(ReserveStock.$type);
  expect(context!.sourceCover?.domain).to.equal(originOf(s.command).source.domain);
  s.context = context;
});

// compensation.feature says "a rejection notification", router.feature "rejection notification".
Then("the router should emit (a )rejection notification", async function (this: AngzarrWorld) {
  // Delivered for real through HandleCompensation on the coordinator (see deliverThroughCoordinator).
  const s = comp(this);
  const response = await deliverThroughCoordinator(this, s);
  expect(response.result?.$case).to.equal("revocation");
  const reason = response.result?.$case === "revocation" ? response.result.value.reason : "";
  expect(reason).to.include(ReserveStock.$type);
  expect(reason).to.include(s.reason);
});
