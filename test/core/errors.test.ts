import { describe, it } from "node:test";
import { inspect } from "node:util";
import { credentials, Metadata, Server, ServerCredentials, makeGenericClientConstructor, type ServiceError } from "@grpc/grpc-js";
import { expect } from "chai";
import {
  ClientError,
  CommandRejectedError,
  ConnectionError,
  GrpcError,
  InvalidArgumentError,
  InvalidTimestampError,
  isClientError,
  Status,
  toClientError,
  TransportError,
  type RetryKind,
} from "../../src/errors.js";
import { packAny } from "../../src/core/any.js";
import { makeEventBook, makeEventPage } from "../../src/core/books.js";
import { EventBook, NoOp } from "../../src/gen/angzarr/types.js";

const serviceError = (code: Status, details: string, metadata = new Metadata()): ServiceError =>
  Object.assign(new Error(`${code} ${Status[code]}: ${details}`), { code, details, metadata });

describe("predicates", () => {
  const md = new Metadata();
  const cases: Array<[string, ClientError, Record<string, boolean>]> = [
    ["NOT_FOUND", new GrpcError(Status.NOT_FOUND, "x"), { notFound: true }],
    ["FAILED_PRECONDITION", new GrpcError(Status.FAILED_PRECONDITION, "x"), { precondition: true }],
    ["INVALID_ARGUMENT", new GrpcError(Status.INVALID_ARGUMENT, "x", md), { invalid: true }],
    ["UNAVAILABLE", new GrpcError(Status.UNAVAILABLE, "x"), {}],
    ["DEADLINE_EXCEEDED", new GrpcError(Status.DEADLINE_EXCEEDED, "Deadline exceeded"), { deadline: true }],
    // tonic's own answer when the call's grpc-timeout fires on the server first (Angzarr 0.5.1).
    ["CANCELLED Timeout expired", new GrpcError(Status.CANCELLED, "Timeout expired"), { deadline: true }],
    ["CANCELLED by the caller", new GrpcError(Status.CANCELLED, "Cancelled on client"), {}],
    ["ConnectionError", new ConnectionError("refused", "h:1"), { connection: true }],
    ["TransportError", new TransportError("reset", "h:1"), { connection: true }],
    ["InvalidArgumentError", new InvalidArgumentError("bad"), { invalid: true }],
    ["InvalidTimestampError", new InvalidTimestampError("x", "bad"), { invalid: true }],
    ["CommandRejectedError", new CommandRejectedError("no"), { precondition: true }],
    ["CommandRejectedError.notFound", CommandRejectedError.notFound("no"), { notFound: true }],
    ["CommandRejectedError.invalidArgument", CommandRejectedError.invalidArgument("no"), { invalid: true }],
  ];
  for (const [name, err, expected] of cases) {
    it(`${name}: exactly the expected predicates are true`, () => {
      expect({
        notFound: err.isNotFound(),
        precondition: err.isPreconditionFailed(),
        invalid: err.isInvalidArgument(),
        connection: err.isConnectionError(),
        deadline: err.isDeadlineExceeded(),
      }).to.deep.equal({ notFound: false, precondition: false, invalid: false, connection: false, deadline: false, ...expected });
      expect(isClientError(err)).to.equal(true);
      expect(err).to.be.instanceOf(ClientError);
      expect(err).to.be.instanceOf(Error);
    });
  }

  it("isClientError recognises a copy from another module instance by its brand, and nothing else", () => {
    const foreign = { [Symbol.for("angzarr.ClientError")]: true };
    expect(isClientError(foreign)).to.equal(true);
    for (const v of [new Error("x"), null, undefined, "x", 1, {}]) expect(isClientError(v)).to.equal(false);
  });

  it("isSequenceMismatch needs FAILED_PRECONDITION and the coordinator's wording", () => {
    expect(new GrpcError(Status.FAILED_PRECONDITION, "Sequence mismatch: command expects 0, aggregate at 3").isSequenceMismatch()).to.equal(true);
    expect(new GrpcError(Status.FAILED_PRECONDITION, "Sequence conflict: expected 4, got 3").isSequenceMismatch()).to.equal(true);
    expect(new GrpcError(Status.FAILED_PRECONDITION, "order shipped").isSequenceMismatch()).to.equal(false);
    expect(new GrpcError(Status.ABORTED, "Sequence mismatch: x").isSequenceMismatch()).to.equal(false);
  });
});

describe("retryKind", () => {
  const matrix: Array<[string, ClientError, RetryKind]> = [
    ["UNAVAILABLE", new GrpcError(Status.UNAVAILABLE, "x"), "immediately"],
    ["RESOURCE_EXHAUSTED", new GrpcError(Status.RESOURCE_EXHAUSTED, "x"), "with-backoff"],
    ["ABORTED", new GrpcError(Status.ABORTED, "x"), "with-backoff"],
    ["FAILED_PRECONDITION", new GrpcError(Status.FAILED_PRECONDITION, "x"), "after-refresh"],
    ["DEADLINE_EXCEEDED", new GrpcError(Status.DEADLINE_EXCEEDED, "x"), "never"],
    ["CANCELLED", new GrpcError(Status.CANCELLED, "x"), "never"],
    ["INVALID_ARGUMENT", new GrpcError(Status.INVALID_ARGUMENT, "x"), "never"],
    ["NOT_FOUND", new GrpcError(Status.NOT_FOUND, "x"), "never"],
    ["INTERNAL", new GrpcError(Status.INTERNAL, "x"), "never"],
    ["UNKNOWN", new GrpcError(Status.UNKNOWN, "x"), "never"],
    ["ConnectionError", new ConnectionError("x"), "immediately"],
    ["TransportError", new TransportError("x"), "immediately"],
    ["InvalidArgumentError", new InvalidArgumentError("x"), "never"],
    ["CommandRejectedError", new CommandRejectedError("x"), "never"],
  ];
  for (const [name, err, kind] of matrix) {
    it(`${name} -> ${kind}`, () => {
      expect(err.retryKind).to.equal(kind);
      expect(err.isRetryable()).to.equal(kind !== "never");
    });
  }
});

describe("retry-after hints", () => {
  const withMd = (entries: Record<string, string>) => {
    const md = new Metadata();
    for (const [k, v] of Object.entries(entries)) md.set(k, v);
    return new GrpcError(Status.UNAVAILABLE, "busy", md);
  };

  it("reads retry-after-ms, grpc-retry-pushback-ms and retry-after seconds", () => {
    expect(withMd({ "retry-after-ms": "250" }).retryAfterMs).to.equal(250);
    expect(withMd({ "grpc-retry-pushback-ms": "40" }).retryAfterMs).to.equal(40);
    expect(withMd({ "retry-after": "2" }).retryAfterMs).to.equal(2000);
    expect(withMd({ "retry-after-ms": "5", "retry-after": "9" }).retryAfterMs).to.equal(5);
  });

  it("reads an HTTP date in retry-after", () => {
    const ms = withMd({ "retry-after": new Date(Date.now() + 5000).toUTCString() }).retryAfterMs!;
    expect(ms).to.be.within(3000, 5000);
    expect(withMd({ "retry-after": new Date(Date.now() - 5000).toUTCString() }).retryAfterMs).to.equal(0);
  });

  it("ignores absent, empty, negative and garbage values", () => {
    expect(withMd({}).retryAfterMs).to.equal(undefined);
    expect(withMd({ "retry-after-ms": "" }).retryAfterMs).to.equal(undefined);
    expect(withMd({ "retry-after-ms": "-1" }).retryAfterMs).to.equal(undefined);
    expect(withMd({ "retry-after-ms": "soon", "retry-after": "later" }).retryAfterMs).to.equal(undefined);
    expect(new ConnectionError("x").retryAfterMs).to.equal(undefined);
  });
});

describe("toClientError", () => {
  // The texts below are what grpc-js 1.14 reports (see test/client/transport-errors.test.ts).
  const table: Array<[Status, string, new (...a: never[]) => ClientError]> = [
    [Status.UNAVAILABLE, "No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: ", ConnectionError],
    [Status.UNAVAILABLE, "No connection established. Last error: Error: connect ENOENT /x.sock. Resolution note: ", ConnectionError],
    [Status.UNAVAILABLE, "Name resolution failed for target dns:no-such-host.invalid:1310", ConnectionError],
    [Status.UNAVAILABLE, "Channel closed before call started", ConnectionError],
    [Status.UNAVAILABLE, "read ECONNRESET", TransportError],
    [Status.UNAVAILABLE, "Connection dropped", TransportError],
    [Status.UNAVAILABLE, "Write error: write EPIPE", TransportError],
    [Status.INTERNAL, "Received RST_STREAM with code 2 (Internal server error)", TransportError],
    [Status.CANCELLED, "Call cancelled", TransportError],
    [Status.CANCELLED, "Cancelled on client", GrpcError],
    [Status.UNAVAILABLE, "overloaded", GrpcError],
    [Status.UNAVAILABLE, "business process: Connection dropped", GrpcError],
    [Status.DEADLINE_EXCEEDED, "Deadline exceeded after 0.200s", GrpcError],
    [Status.INTERNAL, "storage failure", GrpcError],
  ];
  for (const [code, details, type] of table) {
    it(`${Status[code]} ${JSON.stringify(details.slice(0, 72))} -> ${type.name}`, () => {
      const err = toClientError(serviceError(code, details), "h:1");
      expect(err.constructor).to.equal(type);
      expect(err.cause).to.have.property("code", code);
      if (err instanceof ConnectionError) expect(err.endpoint).to.equal("h:1");
    });
  }

  it("drops grpc-js's empty resolution note and names the endpoint", () => {
    const err = toClientError(serviceError(Status.UNAVAILABLE, "No connection established. Last error: x. Resolution note: "), "h:1");
    expect(err.message).to.equal("cannot reach h:1: No connection established. Last error: x");
  });

  it("keeps ClientErrors and wraps non-gRPC failures as TransportError", () => {
    const own = new InvalidArgumentError("x");
    expect(toClientError(own)).to.equal(own);
    const wrapped = toClientError(new Error("socket gone"), "h:1");
    expect(wrapped).to.be.instanceOf(TransportError);
    expect(wrapped.message).to.equal("socket gone");
    expect(toClientError("weird")).to.be.instanceOf(TransportError);
  });

  it("GrpcError keeps code, details, metadata and status", () => {
    const md = new Metadata();
    md.set("x-k", "v");
    const err = toClientError(serviceError(Status.NOT_FOUND, "nope", md)) as GrpcError;
    expect(err.code).to.equal(Status.NOT_FOUND);
    expect(err.details).to.equal("nope");
    expect(err.metadata.get("x-k")).to.deep.equal(["v"]);
    expect(err.status).to.deep.equal({ code: Status.NOT_FOUND, details: "nope", metadata: md });
    expect(err.message).to.equal("NOT_FOUND: nope");
  });
});

describe("currentState from a real trailer", () => {
  it("decodes the EventBook a server sends in grpc-status-details-bin", async () => {
    const book = makeEventBook({ domain: "orders", root: "f520dbd7-0692-5a5a-b315-48c73f2fff1b" }, [
      makeEventPage(0, packAny(NoOp, { originalSequence: 0, cascadeId: "", reason: "a" })),
      makeEventPage(1, packAny(NoOp, { originalSequence: 1, cascadeId: "", reason: "b" })),
    ]);
    const method = {
      path: "/test.Mismatch/Call",
      requestStream: false,
      responseStream: false,
      requestSerialize: (b: Buffer) => b,
      requestDeserialize: (b: Buffer) => b,
      responseSerialize: (b: Buffer) => b,
      responseDeserialize: (b: Buffer) => b,
    };
    const server = new Server();
    server.addService(
      { call: method },
      {
        call: (_call: unknown, callback: (err: Partial<ServiceError>) => void) => {
          const trailer = new Metadata();
          trailer.set("grpc-status-details-bin", Buffer.from(EventBook.encode(book).finish()));
          callback({ code: Status.FAILED_PRECONDITION, details: "Sequence mismatch: command expects 0, aggregate at 2", metadata: trailer });
        },
      },
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const Ctor = makeGenericClientConstructor({ call: method }, "test.Mismatch");
    const client = new Ctor(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as {
      call(req: Buffer, md: Metadata, opts: object, cb: (e: ServiceError | null) => void): void;
      close(): void;
    };
    try {
      const raw = await new Promise<ServiceError | null>((resolve) =>
        client.call(Buffer.alloc(0), new Metadata(), { deadline: Date.now() + 5000 }, resolve),
      );
      const err = toClientError(raw) as GrpcError;
      expect(err).to.be.instanceOf(GrpcError);
      expect(err.isSequenceMismatch()).to.equal(true);
      expect(err.statusDetails).to.deep.equal(Buffer.from(EventBook.encode(book).finish()));
      expect(err.currentState).to.deep.equal(EventBook.decode(EventBook.encode(book).finish()));
      expect(err.currentState!.nextSequence).to.equal(2);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });

  it("is undefined for other codes, missing details and undecodable bytes", () => {
    const md = (bytes: Buffer) => {
      const m = new Metadata();
      m.set("grpc-status-details-bin", bytes);
      return m;
    };
    const good = Buffer.from(EventBook.encode({ pages: [], nextSequence: 4 }).finish());
    expect(new GrpcError(Status.ABORTED, "x", md(good)).currentState).to.equal(undefined);
    expect(new GrpcError(Status.FAILED_PRECONDITION, "x").currentState).to.equal(undefined);
    expect(new GrpcError(Status.FAILED_PRECONDITION, "x", md(Buffer.alloc(0))).currentState).to.equal(undefined);
    expect(new GrpcError(Status.FAILED_PRECONDITION, "x", md(Buffer.from([0x0a, 0xff, 0x01]))).currentState).to.equal(undefined);
    expect(new GrpcError(Status.FAILED_PRECONDITION, "x", md(good)).currentState!.nextSequence).to.equal(4);
  });
});

describe("rendering", () => {
  it("toString is `Name: message`", () => {
    expect(String(new GrpcError(Status.NOT_FOUND, "nope"))).to.equal("GrpcError: NOT_FOUND: nope");
    expect(String(new ConnectionError("cannot reach h:1"))).to.equal("ConnectionError: cannot reach h:1");
    expect(String(new TransportError("broke"))).to.equal("TransportError: broke");
    expect(String(new InvalidArgumentError("bad"))).to.equal("InvalidArgumentError: bad");
    expect(String(new CommandRejectedError("no"))).to.equal("CommandRejectedError: no");
    expect(new InvalidTimestampError("x", "why").toString()).to.match(/^InvalidTimestampError: invalid timestamp "x": why/);
  });

  it("toJSON and util.inspect show type, code, retry and cause", () => {
    const md = new Metadata();
    md.set("k", "v");
    const err = new GrpcError(Status.UNAVAILABLE, "busy", md, { cause: new Error("root cause") });
    expect(err.toJSON()).to.deep.equal({
      type: "GrpcError",
      message: "UNAVAILABLE: busy",
      code: "UNAVAILABLE",
      retry: "immediately",
      cause: "root cause",
      details: "busy",
      metadata: { k: ["v"] },
    });
    const text = inspect(err);
    expect(text).to.match(/^GrpcError \{/);
    expect(text).to.contain("code: 'UNAVAILABLE'");
    expect(text).to.contain("retry: 'immediately'");
    expect(inspect(new ConnectionError("x"))).to.contain("code: undefined");
  });

  it("CommandRejectedError carries its status code", () => {
    expect(new CommandRejectedError("no").statusCode).to.equal(Status.FAILED_PRECONDITION);
    expect(CommandRejectedError.preconditionFailed("no").code).to.equal(Status.FAILED_PRECONDITION);
    expect(CommandRejectedError.notFound("no").code).to.equal(Status.NOT_FOUND);
    expect(new CommandRejectedError("no", { statusCode: Status.ABORTED }).code).to.equal(Status.ABORTED);
  });
});
