import { describe, it } from "node:test";
import { Metadata } from "@grpc/grpc-js";
import { expect } from "chai";
import { endpointFromEnv, parseEndpoint } from "../../src/client/endpoint.js";
import { mergeMetadata, resolveClientOptions, toMetadata } from "../../src/client/options.js";
import { nextRetryDelay, resolveRetryPolicy } from "../../src/client/retry.js";
import { backoffDelayMs } from "../../src/core/backoff.js";
import { ConnectionError, GrpcError, InvalidArgumentError, Status, TransportError } from "../../src/errors.js";
import { throwsWith } from "../support/assertions.js";

describe("parseEndpoint", () => {
  const valid: Array<[string, string, string | undefined, string]> = [
    ["localhost:1310", "localhost:1310", undefined, "tcp"],
    ["127.0.0.1:50051", "127.0.0.1:50051", undefined, "tcp"],
    ["ch-orders.angzarr.svc:1310", "ch-orders.angzarr.svc:1310", undefined, "tcp"],
    ["[::1]:1310", "[::1]:1310", undefined, "tcp"],
    ["http://localhost:1310", "localhost:1310", "plaintext", "tcp"],
    ["http://localhost:1310/", "localhost:1310", "plaintext", "tcp"],
    ["https://angzarr.example.com:8443", "angzarr.example.com:8443", "tls", "tcp"],
    ["https://angzarr.example.com", "angzarr.example.com:443", "tls", "tcp"],
    ["http://angzarr.example.com", "angzarr.example.com:80", "plaintext", "tcp"],
    ["HTTPS://host:1", "host:1", "tls", "tcp"],
    ["unix:/tmp/angzarr/ch-orders.sock", "unix:/tmp/angzarr/ch-orders.sock", undefined, "unix"],
    ["unix:///tmp/angzarr/ch-orders.sock", "unix:/tmp/angzarr/ch-orders.sock", undefined, "unix"],
    ["/tmp/angzarr/ch-orders.sock", "unix:/tmp/angzarr/ch-orders.sock", undefined, "unix"],
  ];
  for (const [input, target, security, transport] of valid) {
    it(`parses ${input}`, () => {
      expect(parseEndpoint(input)).to.deep.equal({ target, security, transport });
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ["", /empty endpoint/],
    ["localhost", /missing port/],
    ["localhost:", /bad port/],
    ["localhost:0", /bad port/],
    ["localhost:65536", /bad port/],
    ["localhost:12ab", /bad port/],
    [":1310", /missing host/],
    ["local host:1310", /whitespace/],
    ["ftp://host:21", /unsupported scheme "ftp"/],
    ["http://host:1310/path", /path is not allowed/],
    ["unix:", /missing socket path/],
    ["unix://relative/x.sock", /absolute path/],
    ["host/x:1", /unexpected '\/'/],
    ["bad_host!:1", /bad host/],
  ];
  for (const [input, reason] of invalid) {
    it(`rejects ${JSON.stringify(input)} with InvalidArgumentError`, () => {
      const err = throwsWith(() => parseEndpoint(input), InvalidArgumentError);
      expect(err.message).to.match(reason);
      expect(err.message).to.contain("expected host:port");
      expect(err.isInvalidArgument()).to.equal(true);
    });
  }
});

describe("endpointFromEnv", () => {
  it("uses the variable when set, the fallback when unset, empty or blank", () => {
    expect(endpointFromEnv("EP", "fallback:1", { EP: "set:2" })).to.equal("set:2");
    expect(endpointFromEnv("EP", "fallback:1", { EP: " set:2 " })).to.equal("set:2");
    expect(endpointFromEnv("EP", "fallback:1", {})).to.equal("fallback:1");
    expect(endpointFromEnv("EP", "fallback:1", { EP: "" })).to.equal("fallback:1");
    expect(endpointFromEnv("EP", "fallback:1", { EP: "   " })).to.equal("fallback:1");
  });
});

describe("resolveClientOptions", () => {
  it("fills defaults: 30 s deadline, no TLS, no retry", () => {
    const r = resolveClientOptions();
    expect(r.timeoutMs).to.equal(30_000);
    expect(r.tls).to.equal(undefined);
    expect(r.retry).to.equal(undefined);
    expect(r.metadata.toJSON()).to.deep.equal({});
  });

  it("turns tls: true into system roots and keeps TLS objects", () => {
    expect(resolveClientOptions({ tls: true }).tls).to.deep.equal({});
    expect(resolveClientOptions({ tls: false }).tls).to.equal(undefined);
    expect(resolveClientOptions({ tls: { serverName: "x" } }).tls).to.deep.equal({ serverName: "x" });
  });

  for (const [opts, reason] of [
    [{ timeoutMs: 0 }, /timeoutMs/],
    [{ timeoutMs: -5 }, /timeoutMs/],
    [{ timeoutMs: Number.POSITIVE_INFINITY }, /timeoutMs/],
    [{ keepaliveMs: 0 }, /keepaliveMs/],
    [{ tls: { cert: "x" } }, /both tls.cert and tls.key/],
    [{ tls: { key: "x" } }, /both tls.cert and tls.key/],
    [{ token: 42 as unknown as string }, /token/],
    [{ retry: { maxAttempts: 0 } }, /retry.maxAttempts/],
    [{ retry: { jitter: 2 } }, /retry.jitter/],
    [{ retry: { initialDelayMs: 10, maxDelayMs: 5 } }, /retry.maxDelayMs/],
    [{ retry: { multiplier: 0.5 } }, /retry.multiplier/],
  ] as const) {
    it(`rejects ${JSON.stringify(opts)}`, () => {
      expect(throwsWith(() => resolveClientOptions(opts), InvalidArgumentError).message).to.match(reason);
    });
  }
});

describe("metadata merging", () => {
  it("accepts plain objects and Metadata; later keys replace earlier ones", () => {
    const md = toMetadata({ "x-tenant": "a", "x-trace": "t1" });
    const extra = new Metadata();
    extra.add("x-tenant", "b");
    extra.add("x-tenant", "c");
    mergeMetadata(md, extra);
    mergeMetadata(md, { "x-bin": Buffer.from([1, 2]) });
    expect(md.get("x-tenant")).to.deep.equal(["b", "c"]);
    expect(md.get("x-trace")).to.deep.equal(["t1"]);
    expect(md.get("x-bin")).to.deep.equal([Buffer.from([1, 2])]);
  });

  it("rejects illegal keys with InvalidArgumentError", () => {
    throwsWith(() => toMetadata({ "bad key": "v" }), InvalidArgumentError);
  });
});

describe("retry policy arithmetic", () => {
  const policy = resolveRetryPolicy({ initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2, jitter: 0.5 });

  it("grows exponentially up to the cap", () => {
    const noJitter = { ...policy, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelayMs(noJitter, n))).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
  });

  it("takes off at most `jitter` of each delay", () => {
    expect(backoffDelayMs(policy, 1, () => 0)).to.equal(100);
    expect(backoffDelayMs(policy, 1, () => 1)).to.equal(50);
    expect(backoffDelayMs(policy, 3, () => 0.5)).to.equal(300);
  });

  it("retries only transient failures, within attempts and deadline", () => {
    const far = Date.now() + 60_000;
    const unavailable = new GrpcError(Status.UNAVAILABLE, "down");
    expect(nextRetryDelay(policy, 1, unavailable, far)).to.be.within(50, 100);
    expect(nextRetryDelay(policy, 1, new ConnectionError("refused"), far)).to.be.a("number");
    expect(nextRetryDelay(policy, 1, new TransportError("reset"), far)).to.be.a("number");
    expect(nextRetryDelay(policy, 1, new GrpcError(Status.INTERNAL, "boom"), far)).to.equal(undefined);
    expect(nextRetryDelay(policy, 1, new GrpcError(Status.FAILED_PRECONDITION, "Sequence mismatch"), far)).to.equal(undefined);
    expect(nextRetryDelay(policy, policy.maxAttempts, unavailable, far)).to.equal(undefined);
    expect(nextRetryDelay(policy, 1, unavailable, Date.now() + 10)).to.equal(undefined);
  });

  it("uses the server's retry-after hint instead of the backoff", () => {
    const md = new Metadata();
    md.set("retry-after-ms", "250");
    expect(nextRetryDelay(policy, 1, new GrpcError(Status.UNAVAILABLE, "busy", md), Date.now() + 60_000)).to.equal(250);
  });

  it("reports each retry to onRetry", () => {
    const seen: number[] = [];
    const p = resolveRetryPolicy({ onRetry: (info) => seen.push(info.attempt) });
    nextRetryDelay(p, 1, new GrpcError(Status.UNAVAILABLE, "x"), Date.now() + 60_000);
    nextRetryDelay(p, 2, new GrpcError(Status.UNAVAILABLE, "x"), Date.now() + 60_000);
    expect(seen).to.deep.equal([1, 2]);
  });
});
