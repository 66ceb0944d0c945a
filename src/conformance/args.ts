/**
 * Command line of `angzarr-conformance`: parsed with `node:util` parseArgs into a
 * {@link ConformanceCommand}, or a {@link UsageError} that names what is wrong.
 */
import { parseArgs } from "node:util";
import { CAPABILITIES } from "../testing/backend.js";
import { declaredCapabilities } from "../testing/external.js";
import type { Capability } from "../testing/backend.js";

/** Bad command-line input; the CLI prints the message and a pointer to `--help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Where the scenarios run. */
export type Target =
  | { readonly kind: "embedded" }
  | {
      readonly kind: "external";
      /** `host:port` of the coordinator. */
      readonly endpoint: string;
      /** Connect with TLS; `true` uses the system roots. */
      readonly tls?: { readonly ca?: string; readonly serverName?: string };
      /** Bearer token sent on every call that carries none of its own. */
      readonly token?: string;
      /** What it offers beyond plain commands and queries. */
      readonly capabilities: readonly Capability[];
    }
  | {
      readonly kind: "container";
      /** Coordinator image. */
      readonly image: string;
      /** Orders test handler image (default: the container backend's). */
      readonly handlerImage?: string;
    };

/** `angzarr-conformance [run]`: run the suite. */
export interface RunCommand {
  readonly command: "run";
  readonly target: Target;
  /** Cucumber tag expression selecting scenarios. */
  readonly tags?: string;
  /** JUnit XML report file. */
  readonly junit?: string;
  /** Cucumber JSON report file. */
  readonly json?: string;
  /** Cucumber worker processes (0 = run in this process). */
  readonly parallel: number;
}

/** `angzarr-conformance handler`: serve the test domains' business logic. */
export interface HandlerCommand {
  readonly command: "handler";
  readonly host: string;
  readonly port: number;
}

/** `--help` anywhere. */
export interface HelpCommand {
  readonly command: "help";
  readonly topic: "run" | "handler";
}

/** What the command line asks for. */
export type ConformanceCommand = RunCommand | HandlerCommand | HelpCommand;

/** The `--help` text of `topic`. */
export function usage(topic: "run" | "handler" = "run"): string {
  if (topic === "handler") {
    return [
      "Usage: angzarr-conformance handler [--port P] [--host H]",
      "",
      "Serves the business logic of the conformance suite's test domains on one gRPC port: the",
      "orders and inventory aggregates, the orders -> inventory saga (orders-inventory), the",
      "fulfillment process manager and the order-summary projector. Point your coordinator's",
      "ANGZARR__TARGET__ADDRESS (or its routes) at it, then run `angzarr-conformance --endpoint`.",
      "",
      "  --port P     port to listen on (default 50052; 0 = any free port)",
      "  --host H     interface (default 127.0.0.1; 0.0.0.0 to be reached from containers)",
      "  --help       this text",
      "",
      "Example:",
      "  npx angzarr-conformance handler --port 50052 &",
      "  ANGZARR__TARGET__DOMAIN=orders ANGZARR__TARGET__ADDRESS=127.0.0.1:50052 your-coordinator",
    ].join("\n");
  }
  return [
    "Usage: angzarr-conformance (--embedded | --endpoint HOST:PORT | --image NAME) [options]",
    "       angzarr-conformance handler --port P",
    "",
    "Runs the angzarr-client conformance suite (Cucumber features) against a coordinator and",
    "exits non-zero when any scenario fails. Needs the optional peer @cucumber/cucumber",
    "(--embedded also better-sqlite3, --image also testcontainers).",
    "",
    "Target (exactly one):",
    "  --embedded                 start this package's coordinator with the test handler in-process",
    "  --endpoint HOST:PORT       a running coordinator with `angzarr-conformance handler` behind it",
    "  --image NAME               coordinator image, run with the handler image (container backend)",
    "",
    "With --endpoint:",
    `  --capabilities LIST        what it offers beyond commands and queries, comma-separated:`,
    `                             ${CAPABILITIES.filter((c) => c !== "seeding-snapshots" && c !== "faults").join(", ")}`,
    "                             (auth needs --token: the token it accepts; others are refused)",
    "  --token TOKEN              bearer token sent on every call (env ANGZARR_TOKEN)",
    "  --tls                      connect with TLS (system roots)",
    "  --tls-ca FILE              connect with TLS, trusting this CA (PEM)",
    "  --tls-server-name NAME     TLS server name to verify (default: the host)",
    "With --image:",
    "  --handler-image NAME       orders test handler image (default localhost/angzarr-orders-handler:dev)",
    "",
    "Selection and reports:",
    '  --tags EXPR                Cucumber tag expression, e.g. "not @slow" or "@needs-sagas"',
    "  --junit FILE               JUnit XML report (Cucumber's junit formatter)",
    "  --json FILE                Cucumber JSON report",
    "  --parallel N               worker processes (default 0: one process)",
    "  --help                     this text (`angzarr-conformance handler --help` for the handler)",
    "",
    "Scenarios that need what the target lacks are skipped and listed with the reason.",
    "",
    "Examples:",
    "  npx angzarr-conformance --embedded --junit reports/conformance.xml",
    "  npx angzarr-conformance handler --port 50052 &",
    "  npx angzarr-conformance --endpoint 127.0.0.1:1310 --capabilities projectors,sagas,multi-domain",
    '  npx angzarr-conformance --endpoint coordinator.staging:443 --tls --token "$TOKEN" --tags "not @needs-faults"',
    "  npx angzarr-conformance --image ghcr.io/angzarr-io/angzarr-aggregate:0.5.1",
  ].join("\n");
}

const HOST_PORT = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):(\d{1,5})$/;

/** Checks `host:port` (a name, IPv4 or [IPv6] and a port 1-65535). */
export function parseHostPort(value: string, flag: string): string {
  const match = HOST_PORT.exec(value);
  const port = match ? Number(match[1]) : NaN;
  if (!match || port < 1 || port > 65535) throw new UsageError(`${flag} needs host:port (e.g. 127.0.0.1:1310), got "${value}"`);
  return value;
}

function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = /^\d{1,5}$/.test(value) ? Number(value) : NaN;
  if (!(port >= 0 && port <= 65535)) throw new UsageError(`--port needs a number 0-65535, got "${value}"`);
  return port;
}

function parseCount(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\d{1,2}$/.test(value)) throw new UsageError(`--parallel needs a small number, got "${value}"`);
  return Number(value);
}

type Flags = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

function parse(argv: string[], options: Flags): { values: Record<string, string | boolean | undefined>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values, positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * Parses the arguments after the program name.
 * @throws UsageError for an unknown flag, a missing or second target, a bad `host:port`,
 * target options without their target, or capabilities that cannot be declared.
 */
export function parseCommand(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ConformanceCommand {
  const args = [...argv];
  if (args[0] === "handler") {
    const { values, positionals } = parse(args.slice(1), {
      port: { type: "string" },
      host: { type: "string" },
      help: { type: "boolean", short: "h" },
    });
    if (values.help) return { command: "help", topic: "handler" };
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    return {
      command: "handler",
      host: (values.host as string | undefined) ?? "127.0.0.1",
      port: parsePort(values.port as string | undefined, 50052),
    };
  }
  if (args[0] === "run") args.shift();
  const { values, positionals } = parse(args, {
    embedded: { type: "boolean" },
    endpoint: { type: "string" },
    image: { type: "string" },
    "handler-image": { type: "string" },
    capabilities: { type: "string" },
    token: { type: "string" },
    tls: { type: "boolean" },
    "tls-ca": { type: "string" },
    "tls-server-name": { type: "string" },
    tags: { type: "string" },
    junit: { type: "string" },
    json: { type: "string" },
    parallel: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) return { command: "help", topic: "run" };
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}" (commands: run, handler)`);
  const str = (name: string) => values[name] as string | undefined;
  const chosen = [
    values.embedded ? "--embedded" : "",
    str("endpoint") !== undefined ? "--endpoint" : "",
    str("image") !== undefined ? "--image" : "",
  ].filter(Boolean);
  if (chosen.length !== 1) {
    throw new UsageError(
      chosen.length === 0 ? "choose a target: --embedded, --endpoint HOST:PORT or --image NAME" : `choose one target, not ${chosen.join(" and ")}`,
    );
  }
  const endpointOnly = ["capabilities", "token", "tls", "tls-ca", "tls-server-name"].filter((k) => values[k] !== undefined);
  if (chosen[0] !== "--endpoint" && endpointOnly.length > 0) throw new UsageError(`--${endpointOnly[0]} applies to --endpoint only`);
  if (chosen[0] !== "--image" && str("handler-image") !== undefined) throw new UsageError("--handler-image applies to --image only");

  let target: Target;
  if (chosen[0] === "--embedded") target = { kind: "embedded" };
  else if (chosen[0] === "--image") {
    const image = str("image")!.trim();
    if (!image) throw new UsageError("--image needs an image name");
    target = { kind: "container", image, ...(str("handler-image") ? { handlerImage: str("handler-image") } : {}) };
  } else {
    const endpoint = parseHostPort(str("endpoint")!.trim(), "--endpoint");
    const token = str("token") ?? (env.ANGZARR_TOKEN || undefined);
    if (token !== undefined && !token.trim()) throw new UsageError("--token needs a token");
    let capabilities: Capability[];
    try {
      capabilities = declaredCapabilities(str("capabilities") ?? "", token ? [token] : []);
    } catch (err) {
      throw new UsageError(`--capabilities: ${(err as Error).message}${/auth needs/.test((err as Error).message) ? " (--token)" : ""}`);
    }
    const tlsWanted = values.tls === true || str("tls-ca") !== undefined || str("tls-server-name") !== undefined;
    target = {
      kind: "external",
      endpoint,
      capabilities,
      ...(token ? { token } : {}),
      ...(tlsWanted
        ? { tls: { ...(str("tls-ca") ? { ca: str("tls-ca") } : {}), ...(str("tls-server-name") ? { serverName: str("tls-server-name") } : {}) } }
        : {}),
    };
  }
  return {
    command: "run",
    target,
    parallel: parseCount(str("parallel")),
    ...(str("tags") ? { tags: str("tags") } : {}),
    ...(str("junit") ? { junit: str("junit") } : {}),
    ...(str("json") ? { json: str("json") } : {}),
  };
}
