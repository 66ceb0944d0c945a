/**
 * The EventBook a stale command's FAILED_PRECONDITION carries in `grpc-status-details-bin` must
 * reach grpcio clients (the Python SDK): grpcio refuses a trailer block over 8 KiB as
 * RESOURCE_EXHAUSTED, counting binary values base64-encoded. The interop suite checks this with
 * the real Python client (test/interop); this test pins the size rule without Python.
 */
import { describe, it } from "node:test";
import { expect } from "chai";
import { MAX_DETAILS_BYTES, mismatchDetails } from "../../src/coordinator/pipeline/handle-command.js";
import { makeEventPage } from "../../src/core/books.js";
import { uuidToProto } from "../../src/core/uuid.js";
import { EventBook } from "../../src/gen/angzarr/types.js";
import { ItemAdded, OrderState } from "../../examples/gen/examples/orders.js";
import { packAny } from "../../src/core/any.js";

/** grpcio's default soft limit on received metadata (trailers), in bytes. */
const GRPCIO_METADATA_LIMIT = 8192;
/** The other trailers of a mismatch (grpc-status, grpc-message, content-type, :status) and HPACK's 32 bytes per entry, generously. */
const OTHER_TRAILERS = 600;

function book(skuBytes: number, snapshotBytes = 0): EventBook {
  return {
    cover: {
      domain: "orders",
      root: uuidToProto("0f0e0d0c-0b0a-4908-8706-050403020100"),
      correlationId: "",
      edition: { name: "angzarr", divergences: [] },
    },
    snapshot: snapshotBytes
      ? {
          sequence: 0,
          state: packAny(OrderState, { customerId: "c".repeat(snapshotBytes), itemCount: 0, shipped: false, eventCount: 1 }),
          retention: 0,
        }
      : undefined,
    pages: [makeEventPage(1, packAny(ItemAdded, { sku: "s".repeat(skuBytes), quantity: 1 }))],
    nextSequence: 2,
  };
}

const base64Length = (bytes: number) => Math.ceil(bytes / 3) * 4;

describe("stale-command details (grpc-status-details-bin)", () => {
  it("are the whole book while it fits in MAX_DETAILS_BYTES", () => {
    const small = book(1000, 500);
    expect(Buffer.from(mismatchDetails(small))).to.deep.equal(Buffer.from(EventBook.encode(small).finish()));
  });

  it("are cut to the cover, snapshot and next_sequence beyond it, and stay under grpcio's 8 KiB as base64", () => {
    for (const [sku, snapshot] of [
      [3000, 0],
      [4100, 0],
      [6000, 0],
      [12 * 1024, 0],
      [12 * 1024, 3000],
      [12 * 1024, 12 * 1024],
      [200_000, 0],
    ] as const) {
      const details = mismatchDetails(book(sku, snapshot));
      expect(details.length, `${sku}-byte event, ${snapshot}-byte snapshot`).to.be.at.most(MAX_DETAILS_BYTES);
      expect(base64Length(details.length) + "grpc-status-details-bin".length + OTHER_TRAILERS).to.be.below(GRPCIO_METADATA_LIMIT);
      const decoded = EventBook.decode(details);
      expect(decoded.nextSequence).to.equal(2);
      expect(decoded.cover!.domain).to.equal("orders");
      if (EventBook.encode(book(sku, snapshot)).finish().length > MAX_DETAILS_BYTES) expect(decoded.pages).to.deep.equal([]);
    }
  });
});
