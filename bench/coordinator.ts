/**
 * Speed of the coordinator, against baselines measured in the same run. Workloads, driven
 * through the SDK with standard RPCs only:
 *   (a) sequential commands, each creating a new aggregate
 *   (b) sequential appends to one aggregate, without and with snapshots (b+s)
 *   (c) 16 concurrent writers, each on its own aggregate
 *   (d) 16 concurrent writers on 4 shared aggregates, recovering with executeWithRefresh
 *   (e) GetEventBook of a 1,000-event aggregate (e1), GetEvents streaming 10,000 events (e2)
 * on SQLite (file, WAL), PostgreSQL and memory. The coordinator (src/coordinator/cli.ts), the
 * orders handler (examples/orders) and the baseline's stub server run as separate
 * processes. A command's baseline is one raw grpc-js round trip per hop (client -> coordinator,
 * coordinator -> handler) plus one raw insert transaction of the same rows on the same kind of
 * store; a read's is one raw select of the same rows plus one raw round trip of the same book.
 * Each line prints commands/s, p50 and p99 latency and the ratio to its baseline (median over
 * rounds of coordinator time / baseline time, the two measured back to back). Last line:
 * `ratio: X.XX` for (b) on SQLite without snapshots.
 *
 *   npm run bench:coordinator [-- --quick] [--storage sqlite,memory] [--only a,b,b+s,c,d,e] [--endpoint host:port]
 *
 * `--endpoint host:port` (or ANGZARR_BENCH_ENDPOINT) measures a coordinator that is already
 * running with the orders handler behind it (e.g. the real Angzarr sidecar); storage baselines
 * are then skipped. ANGZARR_BENCH_QUICK=1 is `--quick`; ANGZARR_BENCH_STORAGES is `--storage`;
 * ANGZARR_BENCH_ONLY is `--only`;
 * ANGZARR_BENCH_CPU_PROF=<dir> writes a CPU profile of our coordinator per storage.
 */
import { cpus, loadavg } from "node:os";
import { mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { Client } from "../src/client/index.js";
import { Baseline } from "./support/baseline.js";
import { cleanUp, installSignalHandlers, onCleanUp, repoPath, startChild, stoppedBy, type Child } from "./support/processes.js";
import { RawClients } from "./support/raw-clients.js";
import { describe, pairedRatio } from "./support/stats.js";
import { findPostgres, memoryStorage, postgresStorage, sqliteStorage, type BenchStorage } from "./support/storages.js";
import {
  appendOne,
  concurrentOwn,
  concurrentShared,
  createEach,
  FULL,
  QUICK,
  reads,
  warmUp,
  type Harness,
  type Outcome,
} from "./support/workloads.js";

const STORAGES = ["sqlite", "postgres", "memory"] as const;
type StorageName = (typeof STORAGES)[number];

interface Options {
  endpoint: string | undefined;
  quick: boolean;
  storages: StorageName[];
  cpuProfDir: string | undefined;
  /** Workload ids to run (a, b, b+s, c, d, e); all when undefined. */
  only: Set<string> | undefined;
}

function parseArgs(argv: string[]): Options {
  const value = (flag: string) => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value`);
    return v;
  };
  if (argv.includes("--help")) {
    console.log("npm run bench:coordinator -- [--quick] [--storage sqlite,postgres,memory] [--only a,b,b+s,c,d,e] [--endpoint host:port]");
    process.exit(0);
  }
  const storages = (value("--storage") ?? process.env.ANGZARR_BENCH_STORAGES ?? STORAGES.join(",")).split(",").map((s) => s.trim());
  for (const s of storages) if (!(STORAGES as readonly string[]).includes(s)) throw new Error(`unknown storage ${JSON.stringify(s)}`);
  const profile = process.env.ANGZARR_BENCH_CPU_PROF;
  const only = value("--only") ?? process.env.ANGZARR_BENCH_ONLY;
  return {
    endpoint: value("--endpoint") ?? (process.env.ANGZARR_BENCH_ENDPOINT || undefined),
    quick: argv.includes("--quick") || process.env.ANGZARR_BENCH_QUICK === "1",
    storages: storages as StorageName[],
    cpuProfDir: profile ? resolve(profile) : undefined,
    only: only ? new Set(only.split(",").map((s) => s.trim())) : undefined,
  };
}

/** One coordinator to measure. */
interface Target {
  label: string;
  address: string;
  storage: BenchStorage | undefined;
  stop(): Promise<void>;
}

const line = (s = "") => console.log(s);

function report(o: Outcome): void {
  const title = `(${o.id}) ${o.title}`.padEnd(40);
  line(`  ${title} coordinator ${describe(o.ours, o.unit)} | baseline ${describe(o.base, o.unit)} | ratio ${pairedRatio(o.ours, o.base).toFixed(2)}`);
  for (const note of o.notes) line(`  ${"".padEnd(40)} ${note}`);
}

async function startCoordinator(storage: BenchStorage, handler: Child, options: Options): Promise<Child> {
  const nodeArgs: string[] = [];
  if (options.cpuProfDir) {
    // One directory per storage; V8 names the files (one per thread: tsx's loader runs in a worker).
    const dir = join(options.cpuProfDir, storage.name);
    mkdirSync(dir, { recursive: true });
    nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${dir}`);
  }
  return startChild(
    repoPath("../../src/coordinator/cli.ts"),
    {
      ...storage.env,
      ANGZARR__TARGET__DOMAIN: "orders",
      ANGZARR__TARGET__ADDRESS: handler.address,
      ANGZARR__TRANSPORT__TCP__PORT: "0",
      ANGZARR_LOG: "warn",
    },
    /^angzarr-coordinator listening on (\S+)/m,
    nodeArgs,
  );
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  installSignalHandlers();
  const started = Date.now();
  const sizes = options.quick ? QUICK : FULL;
  line(
    `bench:coordinator ${options.quick ? "(quick) " : ""}on ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), node ${process.version}, ${new Date().toISOString()}`,
  );
  line(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );

  const handler = await startChild(repoPath("./orders-handler.ts"), {}, /orders handler listening on (\S+)/);
  const stub = await startChild(repoPath("./stub-server.ts"), {}, /stub listening on (\S+)/);
  const raw = new RawClients(stub.address, handler.address);
  onCleanUp(() => raw.close());

  const targets: Array<() => Promise<Target | string>> = [];
  if (options.endpoint) {
    const address = options.endpoint;
    targets.push(async () => ({ label: `endpoint ${address}`, address, storage: undefined, stop: async () => {} }));
  } else {
    for (const name of options.storages) {
      targets.push(async () => {
        let storage: BenchStorage;
        if (name === "postgres") {
          const server = await findPostgres();
          if (server.uri === undefined) return `postgres skipped: ${server.reason}`;
          onCleanUp(() => server.stop());
          storage = postgresStorage(server.uri);
        } else {
          storage = name === "sqlite" ? sqliteStorage() : memoryStorage();
        }
        onCleanUp(() => storage.drop());
        const coordinator = await startCoordinator(storage, handler, options);
        return { label: `${name}: ${storage.description}`, address: coordinator.address, storage, stop: () => coordinator.stop() };
      });
    }
  }

  const results: Array<{ target: string; outcomes: Outcome[] }> = [];
  for (const open of targets) {
    const target = await open();
    if (typeof target === "string") {
      line(`\n${target}`);
      continue;
    }
    line(`\n== ${target.label}`);
    if (!target.storage)
      line("   storage baselines skipped: the endpoint's store is not reachable from here, the baseline is the two raw grpc-js hops only");
    const rawStore = await target.storage?.openRaw();
    const client = Client.connect(target.address, { timeoutMs: 60_000 });
    const h: Harness = { client, raw, baseline: new Baseline(raw, rawStore), rawStore, sizes };
    const outcomes: Outcome[] = [];
    try {
      await warmUp(h);
      const workloads: Array<[string, (x: Harness) => Promise<Outcome | Outcome[]>]> = [
        ["a", createEach],
        ["b", (x) => appendOne(x, false)],
        ["b+s", (x) => appendOne(x, true)],
        ["c", concurrentOwn],
        ["d", concurrentShared],
        ["e", reads],
      ];
      for (const [id, run] of workloads) {
        if (options.only && !options.only.has(id)) continue;
        for (const o of [await run(h)].flat()) {
          report(o);
          outcomes.push(o);
        }
      }
    } finally {
      await client.close();
      await rawStore?.close();
      await target.stop();
    }
    results.push({ target: target.storage?.name ?? target.label, outcomes });
  }

  line("\nsummary (coordinator cmd/s or call/s, x ratio to baseline):");
  const ids = results[0]?.outcomes.map((o) => o.id) ?? [];
  const width = Math.max(10, ...results.map((r) => r.target.length + 1));
  line(`  ${"".padEnd(width)}${ids.map((id) => `(${id})`.padStart(14)).join("")}`);
  for (const r of results) {
    const cells = r.outcomes.map((o) => `${Math.round(o.ours.perSecond)} x${pairedRatio(o.ours, o.base).toFixed(2)}`.padStart(14));
    line(`  ${r.target.padEnd(width)}${cells.join("")}`);
  }
  line(
    `load average at end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}; ${((Date.now() - started) / 1000).toFixed(0)} s in all`,
  );
  const headline = results.find((r) => r.target === "sqlite") ?? (options.endpoint ? results[0] : undefined);
  const b = headline?.outcomes.find((o) => o.id === "b");
  if (b) {
    line(`headline: (b) appends without snapshots on ${headline!.target}, coordinator time per command / baseline time`);
    line(`ratio: ${pairedRatio(b.ours, b.base).toFixed(2)}`);
  } else {
    line("ratio: n/a (SQLite was not measured)");
  }
}

try {
  await main();
} catch (err) {
  // Calls fail once a signal has stopped the children: that is no error of its own.
  if (!stoppedBy()) throw err;
} finally {
  await cleanUp();
  if (stoppedBy()) process.exit(130);
}
