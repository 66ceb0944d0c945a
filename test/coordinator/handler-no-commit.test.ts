/**
 * EventPage field 6 set by a business handler outside any cascade. It is `no_commit` in Angzarr
 * 0.5.1 but `committed` in the protos of the Python SDK 0.3.1, so a Python handler "marking its
 * events committed" sends no_commit = true. The 0.5.1 coordinator stores the page as the handler
 * sent it (it stamps no_commit only for a cascade_id) and its read transform shows uncommitted
 * pages to later commands as NoOp(uncommitted); facts are always rewritten to no_commit = false.
 * The interop suite checks the same with a real Python handler (test/interop).
 */
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { sequenceHeader } from "../../src/core/books.js";
import { NoOp, type EventPage } from "../../src/gen/angzarr/types.js";
import { any, command, facts, newRoot, query, seqOf, startBusiness, startHarness, typeOf, type Business, type Harness } from "./helpers.js";

describe("EventPage.no_commit set by a handler without a cascade", () => {
  let business: Business;
  let h: Harness;
  before(async () => {
    business = await startBusiness({
      handle(cmd) {
        const page: EventPage = {
          header: sequenceHeader(cmd.events!.nextSequence),
          payload: { $case: "event", value: any("Flagged") },
          noCommit: true,
        };
        return { result: { $case: "events", value: { cover: cmd.events!.cover, pages: [page], nextSequence: 0 } } };
      },
    });
    h = await startHarness({ routes: { orders: business.address } });
  });
  after(async () => {
    await h.close();
    await business.stop();
  });

  it("is stored as sent and hidden from the next command as NoOp(uncommitted); queries return it raw", async () => {
    const root = newRoot();
    const first = await h.handle(command("orders", root, "Flag", { sequence: 0 }));
    expect(first.events!.pages.map((p) => [seqOf(p), p.noCommit, p.cascadeId])).to.deep.equal([[0, true, undefined]]);
    await h.handle(command("orders", root, "Flag", { sequence: 1 }));
    const prior = business.calls.at(-1)!.events!;
    const noop = prior.pages[0]!.payload!.value as { typeUrl: string; value: Buffer };
    expect(noop.typeUrl).to.equal("type.angzarr.io/angzarr.NoOp");
    expect(NoOp.decode(noop.value)).to.include({ originalSequence: 0, reason: "uncommitted", cascadeId: "" });
    expect(prior.nextSequence).to.equal(1);
    const raw = await h.book(query("orders", root));
    expect(raw.pages.map((p) => [seqOf(p), p.noCommit, typeOf(p.payload!.value as never)])).to.deep.equal([
      [0, true, "Flagged"],
      [1, true, "Flagged"],
    ]);
  });

  it("is cleared on facts: a fact page sent with no_commit = true is stored committed", async () => {
    const root = newRoot();
    const request = facts("orders", root, ["f"], { externalId: "x-1" });
    request.events!.pages[0]!.noCommit = true;
    const res = await h.fact(request);
    expect(res.events!.pages.map((p) => p.noCommit)).to.deep.equal([false]);
    expect((await h.book(query("orders", root))).pages.map((p) => p.noCommit)).to.deep.equal([false]);
  });
});
