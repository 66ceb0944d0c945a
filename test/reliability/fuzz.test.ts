/**
 * Bad input: random and damaged requests, sent as raw bytes over real gRPC, against every RPC
 * of the coordinator and of the SDK's business-logic servers (the orders handler serves all of
 * them). Every call must end with a status before its deadline, undecodable input must be
 * INVALID_ARGUMENT, both servers must keep serving, and nothing may be stored for a root that
 * only rejected requests named. Inputs that once failed are kept in test/reliability/corpus/
 * and replayed first. Seeded: ANGZARR_FUZZ_SEED reproduces a run (the same inputs in the same
 * order). It sends inputs until its wall-clock budget is spent (ANGZARR_RELIABILITY_BUDGET_S, see
 * support/budget.ts), at least FLOOR of them; ANGZARR_FUZZ_COUNT caps the number.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { status as Status, type Client } from "@grpc/grpc-js";
import { expect } from "chai";
import { Client as AngzarrClient } from "../../src/client/index.js";
import { newRoot } from "../../src/core/uuid.js";
import { createLogger, startCoordinator, type CoordinatorHandle } from "../../src/coordinator/index.js";
import type { ServerHandle } from "../../src/server/index.js";
import { loadCorpus, saveCase } from "./fuzz/corpus.js";
import { isPostPersistFailure, judge } from "./fuzz/judge.js";
import { mutate, pickMutation, type Mutation } from "./fuzz/mutate.js";
import { rawCall, rawClient, type Outcome } from "./fuzz/raw-call.js";
import { BUSINESS_RPCS, COORDINATOR_RPCS, coveredKeys, RequestFactory, type Rpc } from "./fuzz/requests.js";
import { Budget, BUDGET_S } from "./support/budget.js";
import { figure, n, tally } from "./support/figures.js";
import { ordersRouting, startHandler, CreateOrder } from "./support/orders.js";
import { Prng, runSeed } from "./support/prng.js";

const CAP = Number(process.env.ANGZARR_FUZZ_COUNT ?? Infinity);
/** Proof that the part really ran: every RPC gets dozens of inputs. */
const FLOOR = Math.min(CAP, 1_000);
const CALL_DEADLINE_MS = 10_000;
const CONCURRENCY = 16;
/** At most this many failing inputs are saved per RPC and failure text in one run. */
const SAVE_PER_KIND = 1;
/** Inputs above this size are not saved (the oversized ones are rebuilt by the mutator anyway). */
const MAX_SAVED_BYTES = 64 * 1024;

interface Target {
  name: "coordinator" | "business";
  client: Client;
  rpcs: readonly Rpc[];
}

describe("bad input: every RPC of the coordinator and the business servers", () => {
  const seed = runSeed();
  let dir: string;
  let handler: ServerHandle;
  let coordinator: CoordinatorHandle;
  let targets: Target[];
  const logLines: string[] = [];
  /** `domain/root` keys named by accepted and by rejected coordinator requests. */
  const accepted = new Set<string>();
  const rejected = new Set<string>();
  const statuses = new Map<string, number>();
  let postPersist = 0;
  const failures: string[] = [];
  const saved = new Map<string, number>();
  let corpusCount = 0;
  let randomCount = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "angzarr-fuzz-"));
    handler = await startHandler();
    coordinator = await startCoordinator({
      port: 0,
      storage: { type: "sqlite", path: join(dir, "fuzz.db") },
      ...ordersRouting(handler.address),
      callTimeoutMs: 5_000,
      logger: createLogger("warn", (line) => logLines.push(line)),
    });
    targets = [
      { name: "coordinator", client: rawClient(coordinator.address), rpcs: COORDINATOR_RPCS },
      { name: "business", client: rawClient(handler.address), rpcs: BUSINESS_RPCS },
    ];
  });

  after(async () => {
    for (const t of targets ?? []) t.client.close();
    await coordinator?.stop(5_000);
    await handler?.stop(1_000);
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends one input, judges the answer, records keys and statuses; returns what was wrong, if anything. */
  async function exercise(target: Target, rpc: Rpc, bytes: Buffer, label: string): Promise<string | undefined> {
    const outcome: Outcome = await rawCall(target.client, rpc.path, rpc.kind, [bytes], CALL_DEADLINE_MS);
    statuses.set(Status[outcome.code], (statuses.get(Status[outcome.code]) ?? 0) + 1);
    const stored = outcome.code === Status.OK || isPostPersistFailure(rpc, outcome);
    if (target.name === "coordinator") recordKeys(rpc, bytes, stored ? accepted : rejected);
    if (outcome.code !== Status.OK && stored) postPersist++;
    const verdict = judge(rpc, bytes, outcome);
    if (!verdict) return undefined;
    failures.push(`${target.name} ${rpc.path} (${label}): ${verdict}`);
    return verdict;
  }

  function recordKeys(rpc: Rpc, bytes: Buffer, into: Set<string>): void {
    try {
      coveredKeys(rpc.decode(bytes), into);
    } catch {
      // Undecodable: names no aggregate.
    }
  }

  it("replays the corpus of inputs that once failed", async () => {
    const found: string[] = [];
    for (const c of loadCorpus()) {
      const target = targets.find((t) => t.name === c.target);
      const rpc = target?.rpcs.find((r) => r.path === c.path);
      if (!target || !rpc) throw new Error(`corpus file ${c.file}: unknown target or RPC ${c.target} ${c.path}`);
      const verdict = await exercise(target, rpc, c.bytes, c.file);
      if (verdict) found.push(`${c.file}: ${verdict}`);
      corpusCount++;
    }
    expect(found, found.join("\n")).to.deep.equal([]);
  });

  it(`answers random and damaged requests for ${BUDGET_S} s with a status before the deadline`, async () => {
    const budget = new Budget();
    const rng = new Prng(seed);
    const factory = new RequestFactory(rng.fork());
    const all = targets.flatMap((target) => target.rpcs.map((rpc) => ({ target, rpc })));
    const mutations = new Map<string, number>();
    let next = 0;
    // Inputs are generated in sequence from one generator, so a seed always yields the same list.
    const take = (): { target: Target; rpc: Rpc; bytes: Buffer; kind: Mutation } | undefined => {
      if (next >= CAP || (budget.spent && next >= FLOOR)) return undefined;
      const { target, rpc } = all[next++ % all.length]!;
      const kind = pickMutation(rng);
      const other = () => rng.pick(all).rpc.build(factory);
      return { target, rpc, kind, bytes: mutate(kind, rpc.build(factory), rng, other) };
    };
    const worker = async () => {
      for (let item = take(); item; item = take()) {
        mutations.set(item.kind, (mutations.get(item.kind) ?? 0) + 1);
        const verdict = await exercise(item.target, item.rpc, item.bytes, item.kind);
        randomCount++;
        if (verdict) save(item.target.name, item.rpc.path, item.bytes, `${item.kind}: ${verdict}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(`fuzz mutations (${String(budget)}, ${n(next)} inputs in ${budget.elapsedSeconds.toFixed(1)} s): ${tally(mutations)}`);
    expect(randomCount, "random inputs sent").to.be.at.least(FLOOR);
    expect(failures, `seed ${seed}:\n${failures.slice(0, 30).join("\n")}`).to.deep.equal([]);
  });

  function save(target: string, path: string, bytes: Buffer, note: string): void {
    // A kind is an RPC and its failure text with numbers and references blanked.
    const kind = `${target} ${path} ${note
      .split(": ")
      .slice(1)
      .join(": ")
      .replace(/\(ref \w+\)/g, "")
      .replace(/\d+/g, "N")
      .slice(0, 160)}`;
    const count = saved.get(kind) ?? 0;
    if (count >= SAVE_PER_KIND || bytes.length > MAX_SAVED_BYTES) return;
    saved.set(kind, count + 1);
    console.log(`fuzz: saved ${saveCase(target, path, bytes, `seed ${seed}, ${note}`)}`);
  }

  it("keeps serving, and stored nothing for roots only rejected requests named", async () => {
    for (const t of targets) {
      const health = await rawCall(t.client, "/grpc.health.v1.Health/Check", "unary", [Buffer.alloc(0)], CALL_DEADLINE_MS);
      expect(health.code, `${t.name} health`).to.equal(Status.OK);
    }
    // A real command still goes through the coordinator to the business server and is stored.
    const client = AngzarrClient.connect(coordinator.address, { timeoutMs: CALL_DEADLINE_MS });
    try {
      const root = newRoot();
      await client.commands.command("orders", root).withCommand(CreateOrder, { customerId: "after-fuzz" }).withSequence(0).execute();
      expect((await client.queries.query("orders", root).getEventBook()).pages).to.have.length(1);
    } finally {
      await client.close();
    }

    const onlyRejected = [...rejected].filter((k) => !accepted.has(k));
    const db = new Database(join(dir, "fuzz.db"), { readonly: true });
    const written: string[] = [];
    try {
      const events = db.prepare("SELECT COUNT(*) AS c FROM events WHERE domain = ? AND root = ?");
      const snapshots = db.prepare("SELECT COUNT(*) AS c FROM snapshots WHERE domain = ? AND root = ?");
      for (const key of onlyRejected) {
        const slash = key.lastIndexOf("/");
        const params = [key.slice(0, slash), key.slice(slash + 1)];
        const count = (events.get(...params) as { c: number }).c + (snapshots.get(...params) as { c: number }).c;
        if (count > 0) written.push(`${key}: ${count} rows`);
      }
    } finally {
      db.close();
    }
    expect(written, "rows stored for roots named only by rejected requests").to.deep.equal([]);
    expect(
      logLines.filter((l) => l.includes("unexpected failure")),
      "coordinator bug reports",
    ).to.deep.equal([]);
    // Every call the fuzzer made has ended on the server side too: stopping waits for none.
    await coordinator.stop(5_000);
    expect(
      logLines.filter((l) => l.includes("stopping with")),
      "work left running at stop",
    ).to.deep.equal([]);
    figure(
      `fuzz: ${n(corpusCount + randomCount)} requests (${n(corpusCount)} corpus, ${n(randomCount)} random, seed ${seed}) over ` +
        `${COORDINATOR_RPCS.length} coordinator and ${BUSINESS_RPCS.length} business RPCs, ${failures.length} failures, ` +
        `${n(onlyRejected.length)} rejected-only roots with 0 rows, ${n(postPersist)} post-persist component failures; ` +
        `statuses: ${tally(statuses)}`,
    );
  });
});
