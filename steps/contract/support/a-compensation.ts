/**
 * Helpers of the compensation.feature contract steps (engineer A). A rejection is produced for
 * real: a SagaRouter (or ProcessManagerRouter) of the SDK emits a command, stamped with its origin
 * (angzarr_deferred{source, source_seq}); an in-process CommandRouter of the target domain refuses it
 * with a CommandRejectedError. The rejection is then turned into a Notification the way the Angzarr
 * 0.5.1 framework does it (COORDINATOR.md §13.1): the SDK only reads notifications
 * (CompensationContext.fromNotification / fromAny), it has no builder for them (reported as an SDK gap),
 * so `frameworkNotification` and `notificationCommandBook` below follow §13.1 field by field.
 */
import { computeRoot, coverRoot, makeCover, makeEventBook, makeEventPage } from "../../../src/core/index.js";
import { nowTimestamp } from "../../../src/core/time.js";
import { CompensationContext } from "../../../src/handlers/compensation.js";
import { CommandRouter } from "../../../src/handlers/command-router.js";
import { StateRouter } from "../../../src/handlers/state-router.js";
import { SagaHandlers, SagaRouter } from "../../../src/handlers/saga-router.js";
import { ProcessManagerHandlers, ProcessManagerRouter } from "../../../src/handlers/process-manager-router.js";
import { CommandRejectedError } from "../../../src/errors.js";
import { event } from "../../../src/handlers/events.js";
import { commandBook } from "../../../src/handlers/outbound.js";
import { ItemAdded, OrderState, OrderValidated, ShipOrder } from "../../../examples/gen/examples/orders.js";
import { InventoryState, ReserveStock, StockReserved } from "../../../examples/gen/examples/inventory.js";
import {
  CascadeErrorMode,
  CommandRequest,
  MergeStrategy,
  Notification,
  SyncMode,
  RejectionNotification,
  type CommandBook,
  type Cover,
  type EventBook,
} from "../../../src/gen/angzarr/types.js";
import type { SagaHandleRequest } from "../../../src/gen/angzarr/saga.js";
import type { Any } from "../../../src/gen/google/protobuf/any.js";
import { StateSlot } from "../../support/state-slot.js";
import { CALL_TIMEOUT_MS, type AngzarrWorld } from "../../support/world.js";
import type { BusinessResponse } from "../../../src/gen/angzarr/command_handler.js";

/** Type URL prefix the 0.5.1 framework uses for the messages it builds (COORDINATOR.md §13.1). */
export const FRAMEWORK_PREFIX = "type.angzarr.io/";

/** What a compensation scenario has set up and produced so far. */
export interface CompScenario {
  sagaName: string;
  /** Aggregate whose event triggered the saga (the compensation goes back to it). */
  sourceDomain: string;
  sourceRoot: string;
  sourceSeq: number;
  correlationId: string;
  /** Reason the target gives when it refuses, and the ReserveStock the saga sends. */
  reason: string;
  sku: string;
  quantity: number;
  /** Component kind that issued the rejected command. */
  issuer: "saga" | "process_manager";
  /** The command as the saga/PM emitted it (stamped by the SDK router), and as the target saw it. */
  command?: CommandBook;
  /** The target's refusal. */
  rejection?: CommandRejectedError;
  notification?: Notification;
  /** RejectionNotification decoded from the built notification's payload bytes. */
  rejectionNotification?: RejectionNotification;
  context?: CompensationContext;
  notificationBook?: CommandBook;
  builtAt?: number;
  /** Nested scenario: command that caused each inventory event, by "root@seq". */
  causes?: Map<string, CommandBook>;
  /** Nested scenario: the outer trigger (orders aggregate and the ItemAdded sequence). */
  outer?: { root: string; seq: number; correlationId: string };
  /** Which component's router a Given set up to handle rejections. */
  rejectionRouter?: "saga" | "process_manager";
}

const COMPENSATION = new StateSlot<CompScenario>((world) => ({
  sagaName: "order-fulfillment",
  sourceDomain: "orders",
  sourceRoot: computeRoot("orders", `order-${world.nonce}`),
  sourceSeq: 1,
  correlationId: `corr-${world.nonce}`,
  reason: "out of stock",
  sku: `sku-${world.nonce}`,
  quantity: 2,
  issuer: "saga",
}));

/** The scenario's compensation set-up. */
export function comp(world: AngzarrWorld): CompScenario {
  return world.state(COMPENSATION);
}

/** The SDK saga: every ItemAdded of `sourceDomain` reserves stock in inventory. */
export function fulfillmentSaga(name: string, sourceDomain = "orders"): SagaRouter {
  return new SagaRouter(
    name,
    sourceDomain,
    new SagaHandlers().on(ItemAdded, (e, ctx) => ({
      commands: [
        commandBook(
          { domain: "inventory", root: computeRoot("inventory", e.sku) },
          event(ReserveStock, ReserveStock.fromPartial({ orderId: ctx.sourceRoot ?? "", sku: e.sku, quantity: e.quantity })),
        ),
      ],
    })),
  );
}

/** Runs the saga on one ItemAdded at the scenario's source sequence and keeps the one command it emits. */
export async function emitSagaCommand(s: CompScenario): Promise<CommandBook> {
  const saga = fulfillmentSaga(s.sagaName, s.sourceDomain);
  const source = makeEventBook(makeCover({ domain: s.sourceDomain, root: s.sourceRoot, correlationId: s.correlationId }), [
    makeEventPage(s.sourceSeq, packFor(ItemAdded, ItemAdded.fromPartial({ sku: s.sku, quantity: s.quantity }))),
  ]);
  const response = await saga.handle(sagaRequest(source));
  if (response.commands.length !== 1) throw new Error(`the saga emitted ${response.commands.length} commands, expected 1`);
  s.command = response.commands[0]!;
  s.issuer = "saga";
  return s.command;
}

/** Runs a process manager on an ItemAdded trigger and keeps the one command it emits. */
export async function emitPmCommand(s: CompScenario): Promise<CommandBook> {
  const state = new StateRouter<OrderState>(() => OrderState.fromPartial({}));
  const pm = new ProcessManagerRouter("order-workflow", "order-workflow", state).domain(
    "orders",
    new ProcessManagerHandlers<OrderState>().on(ItemAdded, (e) => ({
      commands: [
        commandBook(
          { domain: "inventory", root: computeRoot("inventory", e.sku) },
          event(ReserveStock, ReserveStock.fromPartial({ sku: e.sku, quantity: e.quantity })),
        ),
      ],
    })),
  );
  const trigger = makeEventBook(makeCover({ domain: "orders", root: s.sourceRoot, correlationId: s.correlationId }), [
    makeEventPage(s.sourceSeq, packFor(ItemAdded, ItemAdded.fromPartial({ sku: s.sku, quantity: s.quantity }))),
  ]);
  const response = await pm.handle({ trigger, processState: undefined, destinationSequences: {} });
  if (response.commands.length !== 1) throw new Error(`the process manager emitted ${response.commands.length} commands, expected 1`);
  s.command = response.commands[0]!;
  s.issuer = "process_manager";
  return s.command;
}

/** The inventory aggregate as an SDK CommandRouter: refuses ReserveStock with `reason` when given, else reserves. */
export function inventoryRouter(reason: string | undefined): CommandRouter<InventoryState> {
  const state = new StateRouter<InventoryState>(() => InventoryState.fromPartial({})).on(StockReserved, (st, e) => {
    st.reserved += e.quantity;
  });
  return new CommandRouter("inventory", state).on(ReserveStock, (cmd: ReserveStock) => {
    if (reason !== undefined) throw CommandRejectedError.preconditionFailed(reason);
    return event(StockReserved, StockReserved.fromPartial({ orderId: cmd.orderId, sku: cmd.sku, quantity: cmd.quantity }));
  });
}

/** Sends a command book to a target router and returns the refusal (fails if the command is accepted). */
export async function refuse(router: CommandRouter<unknown>, command: CommandBook): Promise<CommandRejectedError> {
  try {
    await router.handle({ events: makeEventBook(command.cover!, []), command });
  } catch (err) {
    if (err instanceof CommandRejectedError) return err;
    throw err;
  }
  throw new Error("the target accepted the command; expected a rejection");
}

/** The saga's command sent to the real inventory router, refused with the scenario's reason. */
export async function rejectCommand(s: CompScenario): Promise<CommandRejectedError> {
  if (!s.command) await emitSagaCommand(s);
  s.rejection = await refuse(inventoryRouter(s.reason), s.command!);
  return s.rejection;
}

/** Origin of a command (its first page's angzarr_deferred header). */
export function originOf(command: CommandBook | undefined): { source: Cover; sourceSeq: number } {
  const header = command?.pages[0]?.header?.sequenceType;
  if (header?.$case !== "angzarrDeferred" || !header.value.source) throw new Error(`the command carries no saga origin: ${JSON.stringify(header)}`);
  return { source: header.value.source, sourceSeq: header.value.sourceSeq };
}

/**
 * The framework's Notification for a refused command (COORDINATOR.md §13.1): cover = the source
 * cover (with the command's correlation id), payload Any `type.angzarr.io/angzarr.RejectionNotification`
 * {rejected_command, rejection_reason}, sent_at now.
 */
export function frameworkNotification(command: CommandBook, reason: string): Notification {
  const { source } = originOf(command);
  const rejection = RejectionNotification.fromPartial({ rejectedCommand: command, rejectionReason: reason });
  return Notification.fromPartial({
    cover: { ...source, correlationId: source.correlationId || command.cover?.correlationId || "" },
    payload: { typeUrl: `${FRAMEWORK_PREFIX}angzarr.RejectionNotification`, value: Buffer.from(RejectionNotification.encode(rejection).finish()) },
    sentAt: nowTimestamp(),
  });
}

/**
 * The framework's CommandBook delivering a Notification to the source aggregate (§13.1): cover =
 * source cover with correlation id; one page angzarr_deferred{source, source_seq}, payload Any
 * `type.angzarr.io/angzarr.Notification`, MERGE_COMMUTATIVE.
 */
export function notificationCommandBook(notification: Notification, command: CommandBook): CommandBook {
  const { source, sourceSeq } = originOf(command);
  return {
    cover: notification.cover,
    pages: [
      {
        header: { sequenceType: { $case: "angzarrDeferred", value: { source, sourceSeq } } },
        mergeStrategy: MergeStrategy.MERGE_COMMUTATIVE,
        payload: { $case: "command", value: notificationAny(notification) },
      },
    ],
  };
}

export function notificationAny(notification: Notification): Any {
  return { typeUrl: `${FRAMEWORK_PREFIX}angzarr.Notification`, value: Buffer.from(Notification.encode(notification).finish()) };
}

/** Builds the notification of the scenario's rejection and reads it back with the SDK. */
export function buildNotification(s: CompScenario): Notification {
  if (!s.command || !s.rejection) throw new Error("no rejected command was set up by an earlier step");
  s.notification = frameworkNotification(s.command, s.rejection.message);
  s.builtAt = Date.now();
  return s.notification;
}

/** The SDK's view of the rejection: CompensationContext from the packed notification (wire bytes). */
export function buildContext(s: CompScenario): CompensationContext {
  const notification = s.notification ?? buildNotification(s);
  const context = CompensationContext.fromAny(notificationAny(notification));
  if (!context) throw new Error("the SDK did not recognise the notification as a rejection");
  s.context = context;
  return context;
}

/** Decodes the built notification's payload as a RejectionNotification (from its bytes). */
export function buildRejection(s: CompScenario): RejectionNotification {
  const notification = s.notification ?? buildNotification(s);
  const payload = notification.payload;
  if (!payload?.typeUrl.endsWith("/angzarr.RejectionNotification")) throw new Error(`payload is ${payload?.typeUrl}`);
  s.rejectionNotification = RejectionNotification.decode(payload.value);
  return s.rejectionNotification;
}

export function requireContext(s: CompScenario): CompensationContext {
  return s.context ?? buildContext(s);
}

/**
 * The nested case: the outer saga (orders ItemAdded -> inventory ReserveStock) succeeds at the real
 * inventory router; an inner saga (inventory StockReserved -> orders ShipOrder) reacts to the stored
 * event; an orders router refuses the ShipOrder. Records which command caused each inventory event.
 */
export async function runNestedSagas(s: CompScenario): Promise<void> {
  s.causes = new Map();
  s.outer = { root: s.sourceRoot, seq: s.sourceSeq, correlationId: s.correlationId };
  const outerCommand = await emitSagaCommand(s);
  const inventory = inventoryRouter(undefined);
  const response = await inventory.handle({ events: makeEventBook(outerCommand.cover!, []), command: outerCommand });
  if (response.result?.$case !== "events") throw new Error(`inventory did not record events: ${response.result?.$case}`);
  const stored: EventBook = { ...response.result.value, cover: outerCommand.cover };
  for (const page of stored.pages) {
    const seq = page.header?.sequenceType?.$case === "sequence" ? page.header.sequenceType.value : -1;
    s.causes.set(`${coverRoot(outerCommand.cover)}@${seq}`, outerCommand);
  }
  const inner = new SagaRouter(
    "inventory-shipping",
    "inventory",
    new SagaHandlers().on(StockReserved, (e) => ({
      commands: [commandBook({ domain: "orders", root: e.orderId }, event(ShipOrder, ShipOrder.fromPartial({ address: "dock 4", carrier: "rail" })))],
    })),
  );
  const innerResponse = await inner.handle(sagaRequest(stored));
  if (innerResponse.commands.length !== 1) throw new Error(`the inner saga emitted ${innerResponse.commands.length} commands`);
  s.sagaName = "inventory-shipping";
  s.command = innerResponse.commands[0]!;
  const orders = new CommandRouter("orders", new StateRouter<OrderState>(() => OrderState.fromPartial({}))).on(ShipOrder, () => {
    throw CommandRejectedError.preconditionFailed(s.reason);
  });
  s.rejection = await refuse(orders, s.command);
}

/** What the coordinator sends a saga: the source book (these sagas need no destination sequences). */
function sagaRequest(source: EventBook): SagaHandleRequest {
  return { source, syncMode: SyncMode.SYNC_MODE_ASYNC, cascadeErrorMode: CascadeErrorMode.CASCADE_ERROR_FAIL_FAST, destinationSequences: {} };
}

function packFor<T>(type: { $type: string; encode(m: T): { finish(): Uint8Array } }, message: T): Any {
  return { typeUrl: `type.googleapis.com/${type.$type}`, value: Buffer.from(type.encode(message).finish()) };
}

/**
 * Delivers the scenario's notification for real: HandleCompensation on the coordinator, addressed
 * to the source aggregate (an orders root). The example orders aggregate has no compensation for
 * ReserveStock, so the SDK behind the coordinator reads the notification as a CompensationContext
 * and hands it back to the framework (a RevocationResponse naming the command and the reason).
 */
export async function deliverThroughCoordinator(world: AngzarrWorld, s: CompScenario): Promise<BusinessResponse> {
  const delivery = notificationCommandBook(s.notification ?? buildNotification(s), s.command!);
  const client = await world.seeder();
  return client.handleCompensation(CommandRequest.fromPartial({ command: delivery, syncMode: SyncMode.SYNC_MODE_ASYNC }), {
    timeoutMs: CALL_TIMEOUT_MS,
  });
}

/** A CommandRouter of `domain` whose rejection handler (for inventory's ReserveStock) passes the context it receives to `seen`. */
export function compensatingRouter(domain: string, seen: (context: CompensationContext) => void): CommandRouter<OrderState> {
  return new CommandRouter(domain, new StateRouter<OrderState>(() => OrderState.fromPartial({})))
    .on(OrderValidated, () => undefined)
    .onRejected("inventory", ReserveStock, (ctx) => {
      seen(ctx);
      return event(OrderValidated, OrderValidated.fromPartial({ note: `compensated: ${ctx.reason}` }));
    });
}

/** Hands the scenario's notification CommandBook to the source domain's router; returns the context its rejection handler saw. */
export async function compensateInProcess(s: CompScenario): Promise<{ context: CompensationContext | undefined; response: BusinessResponse }> {
  let context: CompensationContext | undefined;
  const router = compensatingRouter(originOf(s.command).source.domain, (ctx) => {
    context = ctx;
  });
  const delivery = notificationCommandBook(buildNotification(s), s.command!);
  const response = await router.handle({ events: { cover: delivery.cover, pages: [], snapshot: undefined, nextSequence: 0 }, command: delivery });
  return { context, response };
}
