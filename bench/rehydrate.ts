// Rehydration cost of the SDK's Aggregate dispatch against a hand-written decode-and-switch
// loop over the same EventBook (100,000 events), measured interleaved in one process.
// Both start from the decoded EventBook the server hands to business logic, decode every
// event payload and apply the same state changes. Last line: `ratio: X.XX` (median SDK /
// median hand-written). Run: npm run bench:rehydrate
import { performance } from "node:perf_hooks";
import { deepStrictEqual } from "node:assert";
import { OrderAggregate } from "../examples/orders/order-aggregate.js";
import {
  CheckpointTaken,
  ItemAdded,
  OrderConfirmed,
  OrderCreated,
  OrderState,
  OrderValidated,
  PaymentCaptured,
} from "../examples/gen/examples/orders.js";
import { makeCover } from "../src/core/books.js";
import type { EventBook } from "../src/gen/angzarr/types.js";
import { event, type EventLike, eventBook } from "../src/handlers/index.js";
import { uuidFor } from "../src/testing/builders.js";

const EVENTS = 100_000;
const ROUNDS = 9;
const WARMUP = 3;

function history(): EventBook {
  const events: EventLike[] = [event(OrderCreated, { customerId: "customer-1" })];
  const cycle: EventLike[] = [
    event(ItemAdded, { sku: "sku-12345", quantity: 2 }),
    event(ItemAdded, { sku: "sku-67890", quantity: 1 }),
    event(OrderValidated, { note: "validated" }),
    event(PaymentCaptured, { note: "captured" }),
    event(OrderConfirmed, { note: "confirmed" }),
    event(CheckpointTaken, { note: "checkpoint" }),
  ];
  while (events.length < EVENTS) events.push(cycle[events.length % cycle.length]!);
  return eventBook(makeCover({ domain: "orders", root: uuidFor("bench") }), events);
}

const URL_CREATED = `type.googleapis.com/${OrderCreated.$type}`;
const URL_ITEM = `type.googleapis.com/${ItemAdded.$type}`;
const URL_VALIDATED = `type.googleapis.com/${OrderValidated.$type}`;
const URL_CAPTURED = `type.googleapis.com/${PaymentCaptured.$type}`;
const URL_CONFIRMED = `type.googleapis.com/${OrderConfirmed.$type}`;
const URL_CHECKPOINT = `type.googleapis.com/${CheckpointTaken.$type}`;

/** The baseline: what a developer would write by hand without the SDK. */
function handWritten(book: EventBook): OrderState {
  const state = OrderState.create();
  for (const page of book.pages) {
    const payload = page.payload;
    if (payload === undefined || payload.$case !== "event") continue;
    const any = payload.value;
    switch (any.typeUrl) {
      case URL_CREATED: {
        state.customerId = OrderCreated.decode(any.value).customerId;
        state.eventCount++;
        break;
      }
      case URL_ITEM: {
        state.itemCount += ItemAdded.decode(any.value).quantity;
        state.eventCount++;
        break;
      }
      case URL_VALIDATED:
        OrderValidated.decode(any.value);
        state.eventCount++;
        break;
      case URL_CAPTURED:
        PaymentCaptured.decode(any.value);
        state.eventCount++;
        break;
      case URL_CONFIRMED:
        OrderConfirmed.decode(any.value);
        state.eventCount++;
        break;
      case URL_CHECKPOINT:
        CheckpointTaken.decode(any.value);
        state.eventCount++;
        break;
    }
  }
  return state;
}

/** The SDK: the aggregate's lazy state, rebuilt through its @applies dispatch table. */
function sdk(book: EventBook): OrderState {
  return new OrderAggregate().load(book).state;
}

function time(fn: (book: EventBook) => OrderState, book: EventBook): number {
  const start = performance.now();
  fn(book);
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const book = history();
deepStrictEqual(sdk(book), handWritten(book), "both paths must build the same state");
for (let i = 0; i < WARMUP; i++) {
  time(sdk, book);
  time(handWritten, book);
}
const sdkTimes: number[] = [];
const handTimes: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which path goes first, so neither always runs on a warmer heap.
  const order = round % 2 === 0 ? ["sdk", "hand"] : ["hand", "sdk"];
  for (const which of order) (which === "sdk" ? sdkTimes : handTimes).push(time(which === "sdk" ? sdk : handWritten, book));
  console.log(`round ${round + 1}: sdk ${sdkTimes.at(-1)!.toFixed(1)} ms, hand-written ${handTimes.at(-1)!.toFixed(1)} ms`);
}
const sdkMedian = median(sdkTimes);
const handMedian = median(handTimes);
console.log(`events: ${EVENTS}, rounds: ${ROUNDS}`);
console.log(`median sdk: ${sdkMedian.toFixed(1)} ms (${((EVENTS / sdkMedian) * 1000).toFixed(0)} events/s)`);
console.log(`median hand-written: ${handMedian.toFixed(1)} ms (${((EVENTS / handMedian) * 1000).toFixed(0)} events/s)`);
console.log(`ratio: ${(sdkMedian / handMedian).toFixed(2)}`);
