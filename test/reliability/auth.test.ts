/**
 * Token authentication on the coordinator: without a token every RPC but health is
 * UNAUTHENTICATED, with a wrong one PERMISSION_DENIED, with a right one it works; and no token,
 * right or wrong, ever shows up in the coordinator's debug log, its CLI output or an error.
 */
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { after, before, describe, it } from "node:test";
import { expect } from "chai";
import { Client, type ClientOptions } from "../../src/client/index.js";
import { newRoot } from "../../src/core/uuid.js";
import { createLogger, startCoordinator, type CoordinatorHandle } from "../../src/coordinator/index.js";
import { GrpcError, Status } from "../../src/errors.js";
import type { ServerHandle } from "../../src/server/index.js";
import { rawCall, rawClient } from "./fuzz/raw-call.js";
import { startChildCoordinator } from "./support/child-coordinator.js";
import { figure } from "./support/figures.js";
import { CreateOrder, ordersRouteEnv, startHandler } from "./support/orders.js";

const TIMEOUT_MS = 5_000;
const token = () => `tok-${randomBytes(12).toString("hex")}`;

/** Every kind of call, each answered by its status name ("OK" when it went through). */
async function exercise(address: string, options: ClientOptions): Promise<{ codes: Record<string, string>; errors: unknown[] }> {
  const client = Client.connect(address, { timeoutMs: TIMEOUT_MS, ...options });
  const errors: unknown[] = [];
  const codes: Record<string, string> = {};
  const run = async (name: string, work: () => Promise<unknown>) => {
    try {
      await work();
      codes[name] = "OK";
    } catch (err) {
      errors.push(err);
      codes[name] = err instanceof GrpcError ? Status[err.code] : String(err);
    }
  };
  const root = newRoot();
  try {
    await run("command", () => client.commands.command("orders", root).withCommand(CreateOrder, { customerId: "c" }).withSequence(0).execute());
    await run("query", () => client.queries.query("orders", root).getEventBook());
    await run("stream", () => client.queries.query("orders", root).getEvents().collect());
    await run("synchronize", async () => {
      const session = client.queries.synchronize();
      session.send(client.queries.query("orders", root).build());
      session.end();
      for await (const _ of session);
    });
    return { codes, errors };
  } finally {
    await client.close();
  }
}

describe("token authentication", () => {
  const right = token();
  const wrong = token();
  const lines: string[] = [];
  let handler: ServerHandle;
  let coordinator: CoordinatorHandle;
  const results: string[] = [];

  before(async () => {
    handler = await startHandler();
    coordinator = await startCoordinator({
      port: 0,
      storage: { type: "memory" },
      routes: { orders: handler.address },
      auth: { tokens: [right] },
      logger: createLogger("debug", (line) => lines.push(line)),
    });
  });
  after(async () => {
    await coordinator?.stop(1_000);
    await handler?.stop(1_000);
    figure(`auth: ${results.join("; ")}`);
  });

  const ALL = (code: string) => ({ command: code, query: code, stream: code, synchronize: code });

  it("no token: UNAUTHENTICATED; wrong token: PERMISSION_DENIED; right token: OK; health stays open", async () => {
    const none = await exercise(coordinator.address, {});
    const bad = await exercise(coordinator.address, { token: wrong });
    const good = await exercise(coordinator.address, { token: right });
    expect(none.codes).to.deep.equal(ALL("UNAUTHENTICATED"));
    expect(bad.codes).to.deep.equal(ALL("PERMISSION_DENIED"));
    expect(good.codes).to.deep.equal(ALL("OK"));
    const health = rawClient(coordinator.address);
    try {
      expect((await rawCall(health, "/grpc.health.v1.Health/Check", "unary", [Buffer.alloc(0)], TIMEOUT_MS)).code).to.equal(Status.OK);
    } finally {
      health.close();
    }
    for (const err of [...none.errors, ...bad.errors]) {
      const shown = `${String(err)} ${JSON.stringify((err as GrpcError).toJSON())} ${inspect(err)}`;
      expect(shown).not.to.include(right);
      expect(shown).not.to.include(wrong);
    }
    results.push("4 RPC kinds: no token UNAUTHENTICATED, wrong token PERMISSION_DENIED, right token OK, health open");
  });

  it("the debug log never contains a token", () => {
    expect(
      lines.some((l) => l.includes("UNAUTHENTICATED")),
      "the log has the refused calls",
    ).to.equal(true);
    expect(lines.filter((l) => l.includes(right) || l.includes(wrong))).to.deep.equal([]);
    results.push(`${lines.length} debug log lines without a token`);
  });

  it("the CLI, at debug level, prints no token either", async () => {
    const cliToken = token();
    const child = await startChildCoordinator({
      ...ordersRouteEnv(handler.address),
      ANGZARR__STORAGE__TYPE: "memory",
      ANGZARR__TRANSPORT__TCP__PORT: "0",
      ANGZARR_AUTH_TOKENS: `${cliToken},${token()}`,
      ANGZARR_LOG: "debug",
    });
    try {
      expect((await exercise(child.address, { token: cliToken })).codes).to.deep.equal(ALL("OK"));
      expect((await exercise(child.address, { token: wrong })).codes).to.deep.equal(ALL("PERMISSION_DENIED"));
    } finally {
      await child.stop();
    }
    expect(child.output()).to.include('code="PERMISSION_DENIED"');
    expect(child.output()).not.to.include(cliToken);
    expect(child.output()).not.to.include(wrong);
    results.push("CLI output at debug level without a token");
  });
});
