import { describe, it } from "node:test";
import { expect } from "chai";
import { packAny } from "../../src/core/any.js";
import {
  coverEdition,
  coverRoot,
  headerSequence,
  MAIN_EDITION,
  makeCommandPage,
  makeCover,
  makeEventBook,
  makeEventPage,
  nextSequence,
  pageCommand,
  pageEvent,
  sequenceHeader,
} from "../../src/core/books.js";
import { MergeStrategy, NoOp, type EventBook, type EventPage } from "../../src/gen/angzarr/types.js";
import { commandBook } from "../../src/handlers/outbound.js";

const ROOT = "f520dbd7-0692-5a5a-b315-48c73f2fff1b";
const noop = (n: number): NoOp => ({ originalSequence: n, cascadeId: "", reason: "" });
const pages = (...seqs: number[]): EventPage[] => seqs.map((s) => makeEventPage(s, packAny(NoOp, noop(s)), { seconds: 1, nanos: 0 }));

describe("covers", () => {
  it("builds a cover with a 16-byte root and optional correlation id and edition", () => {
    const cover = makeCover({ domain: "cart", root: ROOT });
    expect(cover.domain).to.equal("cart");
    expect(cover.root!.value).to.have.length(16);
    expect(cover.correlationId).to.equal("");
    expect(cover.edition).to.equal(undefined);
    expect(coverRoot(cover)).to.equal(ROOT);
    expect(coverEdition(cover)).to.equal(MAIN_EDITION);
    const branched = makeCover({ domain: "cart", root: ROOT, correlationId: "c", edition: "what-if" });
    expect(branched.correlationId).to.equal("c");
    expect(coverEdition(branched)).to.equal("what-if");
  });

  it("reports the main timeline as angzarr and no root as undefined", () => {
    expect(MAIN_EDITION).to.equal("angzarr");
    expect(coverEdition(undefined)).to.equal("angzarr");
    expect(coverEdition({ domain: "x", correlationId: "", edition: { name: "", divergences: [] } })).to.equal("angzarr");
    expect(coverRoot(undefined)).to.equal(undefined);
    expect(coverRoot({ domain: "x", correlationId: "" })).to.equal(undefined);
  });
});

describe("pages and headers", () => {
  it("reads explicit sequences only", () => {
    expect(headerSequence(sequenceHeader(4))).to.equal(4);
    expect(headerSequence(sequenceHeader(0))).to.equal(0);
    expect(headerSequence(undefined)).to.equal(undefined);
    expect(headerSequence({ sequenceType: { $case: "externalDeferred", value: { externalId: "e", description: "" } } })).to.equal(undefined);
  });

  it("builds event and command pages and reads their payloads back", () => {
    const any = packAny(NoOp, noop(1));
    const event = makeEventPage(3, any, { seconds: 5, nanos: 6 });
    expect(event).to.deep.equal({
      header: sequenceHeader(3),
      createdAt: { seconds: 5, nanos: 6 },
      payload: { $case: "event", value: any },
      noCommit: false,
    });
    expect(pageEvent(event)).to.equal(any);
    expect(makeEventPage(0, any).createdAt).to.not.equal(undefined);
    const command = makeCommandPage(2, any);
    expect(command.mergeStrategy).to.equal(MergeStrategy.MERGE_COMMUTATIVE);
    expect(pageCommand(command)).to.equal(any);
    expect(makeCommandPage(2, any, MergeStrategy.MERGE_STRICT).mergeStrategy).to.equal(MergeStrategy.MERGE_STRICT);
    const book = commandBook({ domain: "cart", root: ROOT }, any, { sequence: 2 });
    expect(book.pages).to.deep.equal([command]);
    expect(coverRoot(book.cover)).to.equal(ROOT);
    const external = {
      ...event,
      payload: { $case: "external" as const, value: { storageType: 0, uri: "s3://x", contentHash: Buffer.alloc(0), originalSize: 1 } },
    };
    expect(pageEvent(external)).to.equal(undefined);
  });
});

describe("nextSequence", () => {
  const book = (p: EventPage[], snapshot?: EventBook["snapshot"], next = 0): EventBook => ({ pages: p, snapshot, nextSequence: next });

  it("is one past the highest page sequence", () => {
    expect(nextSequence(book(pages(0, 1, 2)))).to.equal(3);
    expect(nextSequence(book(pages(2, 0, 1)))).to.equal(3);
  });

  it("works for range books that do not start at 0 and books with gaps", () => {
    expect(nextSequence(book(pages(5, 6, 7)))).to.equal(8);
    expect(nextSequence(book(pages(0, 9)))).to.equal(10);
  });

  it("uses the snapshot when there are no pages after it", () => {
    expect(nextSequence(book([], { sequence: 41, retention: 0 }))).to.equal(42);
    expect(nextSequence(book(pages(42, 43), { sequence: 41, retention: 0 }))).to.equal(44);
  });

  it("falls back to the book's field, then 0", () => {
    expect(nextSequence(book([], undefined, 12))).to.equal(12);
    expect(nextSequence(book([]))).to.equal(0);
    expect(nextSequence(undefined)).to.equal(0);
  });

  it("ignores deferred pages", () => {
    const deferred: EventPage = {
      ...pages(0)[0]!,
      header: { sequenceType: { $case: "externalDeferred", value: { externalId: "e", description: "" } } },
    };
    expect(nextSequence(book([...pages(3), deferred]))).to.equal(4);
  });

  it("makeEventBook computes it", () => {
    expect(makeEventBook({ domain: "cart", root: ROOT }, pages(0, 1)).nextSequence).to.equal(2);
    expect(makeEventBook(makeCover({ domain: "cart", root: ROOT })).nextSequence).to.equal(0);
    expect(makeEventBook({ domain: "cart", root: ROOT }, [], { sequence: 3, retention: 0 }).nextSequence).to.equal(4);
  });
});
