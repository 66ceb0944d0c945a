/** Configuration loading and validation, retry schedules, logging. */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { expect } from "chai";
import { resolveRetry } from "../../src/coordinator/config/validate.js";
import {
  ConfigError,
  createLogger,
  FAITHFUL_RETRY,
  FAST_RETRY,
  loadConfigFromEnv,
  startCoordinator,
  validateConfig,
} from "../../src/coordinator/index.js";
import { isRetryable } from "../../src/coordinator/pipeline/command-retry.js";
import { backoffDelayMs } from "../../src/core/backoff.js";
import { RpcError } from "../../src/coordinator/rpc-error.js";
import { Status } from "./helpers.js";
import { rejectsWith, throwsWith } from "../support/assertions.js";

/** The message of the ConfigError `fn` must throw. */
const configError = (fn: () => unknown): string => throwsWith(fn, ConfigError).message;

describe("loadConfigFromEnv", () => {
  it("defaults to SQLite in memory on 127.0.0.1:50051 with no routes", () => {
    expect(loadConfigFromEnv({})).to.deep.equal({ storage: { type: "sqlite", path: undefined } });
  });

  it("reads the reference's sidecar variables", () => {
    const config = loadConfigFromEnv({
      ANGZARR__TARGET__DOMAIN: "orders",
      ANGZARR__TARGET__ADDRESS: "http://127.0.0.1:50052",
      ANGZARR__STORAGE__TYPE: "sqlite",
      ANGZARR__STORAGE__SQLITE__PATH: "/tmp/x.db",
      ANGZARR__TRANSPORT__TCP__HOST: "0.0.0.0",
      ANGZARR__TRANSPORT__TCP__PORT: "1310",
      ANGZARR_LOG: "debug",
    });
    expect(config).to.deep.include({
      host: "0.0.0.0",
      port: 1310,
      storage: { type: "sqlite", path: "/tmp/x.db" },
      target: { domain: "orders", address: "http://127.0.0.1:50052" },
      logLevel: "debug",
    });
  });

  it("reads multi-domain routes, projectors and sagas", () => {
    const config = loadConfigFromEnv({
      ANGZARR_ROUTES: "orders=127.0.0.1:50052, inventory=/tmp/inv.sock",
      ANGZARR_PROJECTORS: "ledger@127.0.0.1:50060:orders+inventory,audit@./audit.sock:orders",
      ANGZARR_SAGAS: "fulfil@localhost:50070:orders",
      ANGZARR__STORAGE__TYPE: "postgres",
    });
    expect(config.routes).to.deep.equal({ orders: "127.0.0.1:50052", inventory: "/tmp/inv.sock" });
    expect(config.projectors).to.deep.equal([
      { name: "ledger", address: "127.0.0.1:50060", domains: ["orders", "inventory"] },
      { name: "audit", address: "./audit.sock", domains: ["orders"] },
    ]);
    expect(config.sagas).to.deep.equal([{ name: "fulfil", address: "localhost:50070", sourceDomain: "orders" }]);
    expect(config.storage).to.deep.equal({ type: "postgres", uri: "postgres://localhost:5432/angzarr" });
  });

  it("reads a JSON routes file, with env routes added on top", () => {
    const dir = mkdtempSync(join(tmpdir(), "angzarr-routes-"));
    try {
      const file = join(dir, "routes.json");
      writeFileSync(
        file,
        JSON.stringify({
          routes: { orders: "127.0.0.1:1" },
          projectors: [{ name: "p", address: "127.0.0.1:2", domains: ["orders"] }],
          sagas: [{ name: "s", address: "127.0.0.1:3", sourceDomain: "orders" }],
        }),
      );
      const config = loadConfigFromEnv({ ANGZARR_ROUTES: "stock=127.0.0.1:4" }, ["--routes", file]);
      expect(config.routes).to.deep.equal({ orders: "127.0.0.1:1", stock: "127.0.0.1:4" });
      expect(config.projectors).to.have.length(1);
      expect(config.sagas).to.have.length(1);
      writeFileSync(file, JSON.stringify({ sagas: [{ name: "s" }] }));
      expect(configError(() => loadConfigFromEnv({ ANGZARR_ROUTES_FILE: file }))).to.contain('"sagas" must be an array');
      expect(configError(() => loadConfigFromEnv({}, [`--routes=${join(dir, "missing.json")}`]))).to.match(/^--routes: cannot read routes file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("lets flags override environment variables", () => {
    const config = loadConfigFromEnv({ ANGZARR__TRANSPORT__TCP__PORT: "1", ANGZARR__STORAGE__TYPE: "postgres" }, [
      "--port",
      "0",
      "--storage=memory",
      "--log-level",
      "warn",
      "--auth-tokens",
      "a,b",
    ]);
    expect(config).to.deep.include({ port: 0, storage: { type: "memory" }, logLevel: "warn", auth: { tokens: ["a", "b"] } });
  });

  it("reads the retry, timeout and upcaster settings", () => {
    const config = loadConfigFromEnv({
      ANGZARR_COMMAND_RETRY: "faithful",
      ANGZARR_CALL_TIMEOUT_MS: "500",
      ANGZARR_CONNECT_TIMEOUT_MS: "100",
      ANGZARR_UPCASTER_ENABLED: "1",
      ANGZARR_UPCASTER_ADDRESS: "127.0.0.1:9",
    });
    expect(config).to.deep.include({
      retry: "faithful",
      callTimeoutMs: 500,
      connectTimeoutMs: 100,
      upcaster: { enabled: true, address: "127.0.0.1:9" },
    });
  });

  const bad: Array<[Record<string, string>, string[], string]> = [
    [{ ANGZARR__TRANSPORT__TCP__PORT: "70000" }, [], 'ANGZARR__TRANSPORT__TCP__PORT: invalid value "70000"'],
    [{}, ["--port", "x1"], '--port: invalid value "x1"'],
    [{ ANGZARR__STORAGE__TYPE: "mongodb" }, [], 'ANGZARR__STORAGE__TYPE: unknown storage type "mongodb"'],
    [{ ANGZARR__TARGET__DOMAIN: "orders" }, [], "ANGZARR__TARGET__ADDRESS: required when ANGZARR__TARGET__DOMAIN is set"],
    [{ ANGZARR__TARGET__DOMAIN: "Orders", ANGZARR__TARGET__ADDRESS: "h:1" }, [], 'ANGZARR__TARGET__DOMAIN: invalid domain "Orders"'],
    [{ ANGZARR__TARGET__DOMAIN: "orders", ANGZARR__TARGET__ADDRESS: "nohost" }, [], 'ANGZARR__TARGET__ADDRESS: invalid address "nohost"'],
    [{ ANGZARR_ROUTES: "orders" }, [], 'ANGZARR_ROUTES: invalid entry "orders" (expected domain=address)'],
    [{ ANGZARR_ROUTES: "orders=h:99999" }, [], 'ANGZARR_ROUTES: invalid address "h:99999"'],
    [{ ANGZARR_PROJECTORS: "ledger" }, [], 'ANGZARR_PROJECTORS: invalid entry "ledger" (expected name@address:domainA+domainB)'],
    [{ ANGZARR_PROJECTORS: "ledger@h:1" }, [], 'ANGZARR_PROJECTORS: invalid address "h"'],
    [{ ANGZARR_SAGAS: "s@h:1:Bad" }, [], 'ANGZARR_SAGAS: invalid domain "Bad"'],
    [{ ANGZARR_LOG: "verbose" }, [], 'ANGZARR_LOG: invalid log level "verbose"'],
    [{ ANGZARR_COMMAND_RETRY: "slow" }, [], 'ANGZARR_COMMAND_RETRY: invalid value "slow"'],
    [{ ANGZARR_UPCASTER_ENABLED: "yes" }, [], 'ANGZARR_UPCASTER_ENABLED: invalid value "yes"'],
    [{ ANGZARR_AUTH_TOKENS: " , " }, [], "ANGZARR_AUTH_TOKENS: no token given"],
    [{}, ["--bogus"], "--bogus: unknown option (see --help)"],
    [{}, ["--host"], "--host: missing value"],
    [
      { ANGZARR__TARGET__DOMAIN: "orders", ANGZARR__TARGET__ADDRESS: "h:1", ANGZARR_ROUTES: "stock=h:2" },
      [],
      "ANGZARR_ROUTES: cannot be combined with ANGZARR__TARGET__ADDRESS",
    ],
  ];
  for (const [env, argv, message] of bad) {
    it(`rejects ${JSON.stringify({ ...env, argv })}`, () => {
      expect(configError(() => loadConfigFromEnv(env, argv))).to.contain(message);
    });
  }

  it("never echoes auth tokens in errors", () => {
    const message = configError(() => loadConfigFromEnv({ ANGZARR_AUTH_TOKENS: "s3cret", ANGZARR__TRANSPORT__TCP__PORT: "-1" }));
    expect(message).to.not.contain("s3cret");
  });
});

describe("validateConfig (programmatic configuration)", () => {
  it("names the offending field", () => {
    expect(configError(() => validateConfig({ port: 1.5 }))).to.contain("port: invalid value 1.5");
    expect(configError(() => validateConfig({ routes: { orders: "x" } }))).to.contain('routes.orders: invalid address "x"');
    expect(configError(() => validateConfig({ projectors: [{ name: "p", address: "h:1", domains: [] }] }))).to.contain(
      "projectors[0].domains: must name at least one domain",
    );
    expect(
      configError(() =>
        validateConfig({
          sagas: [
            { name: "s", address: "h:1", sourceDomain: "a" },
            { name: "s", address: "h:1", sourceDomain: "a" },
          ],
        }),
      ),
    ).to.contain('sagas[1].name: duplicate name "s"');
    expect(configError(() => validateConfig({ storage: { type: "redis" } as never }))).to.contain('unknown storage type "redis"');
    expect(configError(() => validateConfig({ retry: { jitter: "some" as never } }))).to.contain("retry.jitter");
  });

  it("startCoordinator refuses an invalid configuration", async () => {
    await rejectsWith(startCoordinator({ target: { domain: "orders", address: "bad" } }), ConfigError);
  });
});

describe("retry policy", () => {
  it("fast: only sequence races (not stale commands), ≤ 155 ms in total", () => {
    expect(resolveRetry(undefined)).to.equal(FAST_RETRY);
    // The waits after attempts 1..5 of 6; random 0 waits the full delay, 1 not at all.
    const total = (random: () => number) =>
      Array.from({ length: FAST_RETRY.maxAttempts - 1 }, (_, i) => backoffDelayMs(FAST_RETRY, i + 1, random)).reduce((a, b) => a + b, 0);
    expect(total(() => 0)).to.equal(5 + 10 + 20 + 40 + 80);
    expect(total(() => 1)).to.equal(0);
    expect(isRetryable(FAST_RETRY, new RpcError(Status.FAILED_PRECONDITION, "Sequence mismatch: command expects 3, aggregate at 2"))).to.equal(true);
    // A command behind the aggregate fails the same way every time: answered at once.
    expect(isRetryable(FAST_RETRY, new RpcError(Status.FAILED_PRECONDITION, "Sequence mismatch: command expects 1, aggregate at 2"))).to.equal(false);
    expect(isRetryable(FAITHFUL_RETRY, new RpcError(Status.FAILED_PRECONDITION, "Sequence mismatch: command expects 1, aggregate at 2"))).to.equal(
      true,
    );
    expect(isRetryable(FAST_RETRY, new RpcError(Status.FAILED_PRECONDITION, "Sequence conflict: expected 3, got 1"))).to.equal(true);
    expect(isRetryable(FAST_RETRY, new RpcError(Status.FAILED_PRECONDITION, "rejected"))).to.equal(false);
    expect(isRetryable(FAST_RETRY, new RpcError(Status.ABORTED, "Sequence mismatch: x"))).to.equal(false);
  });

  it("faithful: the reference's 10 retries, 10 ms x2 capped at 2 s, +0–100 % jitter (6.55–13.1 s)", () => {
    expect(resolveRetry("faithful")).to.equal(FAITHFUL_RETRY);
    // The waits after attempts 1..10 of 11; random 1 waits the reference's base delay, 0 twice that.
    const bases = Array.from({ length: FAITHFUL_RETRY.maxAttempts - 1 }, (_, i) => backoffDelayMs(FAITHFUL_RETRY, i + 1, () => 1));
    expect(bases).to.deep.equal([10, 20, 40, 80, 160, 320, 640, 1280, 2000, 2000]);
    expect(bases.reduce((a, b) => a + b, 0)).to.equal(6550);
    expect(backoffDelayMs(FAITHFUL_RETRY, 10, () => 0)).to.equal(4000);
    expect(isRetryable(FAITHFUL_RETRY, new RpcError(Status.FAILED_PRECONDITION, "Command revoked: x"))).to.equal(true);
  });

  it("custom values fill in from the fast defaults", () => {
    expect(resolveRetry({ maxAttempts: 1 })).to.deep.equal({ ...FAST_RETRY, maxAttempts: 1 });
    expect(backoffDelayMs({ ...FAST_RETRY, jitter: 0 }, 3)).to.equal(20);
  });

  it("an unknown retry field is refused rather than ignored", () => {
    expect(() => resolveRetry({ maxRetries: 3 } as never)).to.throw(ConfigError, /^retry\.maxRetries: unknown field \(expected maxAttempts, /);
  });
});

describe("logger", () => {
  it("writes levelled lines and filters below the level", () => {
    const lines: string[] = [];
    const logger = createLogger("warn", (l) => lines.push(l));
    logger.info("hidden");
    logger.debug("hidden");
    logger.warn("careful", { domain: "orders", n: 3 });
    logger.error("broken");
    expect(lines).to.have.length(2);
    expect(lines[0]).to.match(/^\d{4}-\d\d-\d\dT.* WARN careful domain="orders" n=3\n$/);
    expect(lines[1]).to.match(/ ERROR broken\n$/);
  });
});

describe("process-manager routes", () => {
  it("reads ANGZARR_PROCESS_MANAGERS (name@address:pmDomain:sourceA+sourceB) after those of the routes file", () => {
    const dir = mkdtempSync(join(tmpdir(), "angzarr-routes-"));
    try {
      const file = join(dir, "routes.json");
      writeFileSync(file, JSON.stringify({ processManagers: [{ name: "a", address: "127.0.0.1:1", pmDomain: "audit", sourceDomains: ["orders"] }] }));
      const config = loadConfigFromEnv({
        ANGZARR_ROUTES_FILE: file,
        ANGZARR_PROCESS_MANAGERS: "fulfil@127.0.0.1:50080:fulfillment:orders+inventory, sock@./pm.sock:shipping:orders",
      });
      expect(config.processManagers).to.deep.equal([
        { name: "a", address: "127.0.0.1:1", pmDomain: "audit", sourceDomains: ["orders"] },
        { name: "fulfil", address: "127.0.0.1:50080", pmDomain: "fulfillment", sourceDomains: ["orders", "inventory"] },
        { name: "sock", address: "./pm.sock", pmDomain: "shipping", sourceDomains: ["orders"] },
      ]);
      writeFileSync(file, JSON.stringify({ processManagers: [{ name: "a", address: "h:1", pmDomain: "audit" }] }));
      expect(configError(() => loadConfigFromEnv({ ANGZARR_ROUTES_FILE: file }))).to.contain('"processManagers" must be an array');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const bad: Array<[string, string]> = [
    ["fulfil", 'ANGZARR_PROCESS_MANAGERS: invalid entry "fulfil" (expected name@address:pmDomain:sourceA+sourceB)'],
    ["fulfil@h:1:orders", 'ANGZARR_PROCESS_MANAGERS: invalid address "h"'],
    ["fulfil@h:1:Flow:orders", 'ANGZARR_PROCESS_MANAGERS: invalid domain "Flow"'],
    ["fulfil@h:1:flow:orders+", 'ANGZARR_PROCESS_MANAGERS: invalid domain ""'],
  ];
  for (const [value, message] of bad) {
    it(`rejects ANGZARR_PROCESS_MANAGERS=${JSON.stringify(value)}`, () => {
      expect(configError(() => loadConfigFromEnv({ ANGZARR_PROCESS_MANAGERS: value }))).to.contain(message);
    });
  }

  it("validateConfig names the offending process-manager field", () => {
    const pm = { name: "p", address: "h:1", pmDomain: "flow", sourceDomains: ["orders"] };
    expect(configError(() => validateConfig({ processManagers: [pm, pm] }))).to.contain('processManagers[1].name: duplicate name "p"');
    expect(configError(() => validateConfig({ processManagers: [{ ...pm, sourceDomains: [] }] }))).to.contain(
      "processManagers[0].sourceDomains: must name at least one domain",
    );
    expect(configError(() => validateConfig({ processManagers: [{ ...pm, pmDomain: "" }] }))).to.contain(
      "processManagers[0].pmDomain: invalid domain",
    );
  });
});
