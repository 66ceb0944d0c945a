/** Parsing `angzarr-coordinator`'s command-line flags (each one overrides an environment variable). */
import { parseArgs } from "node:util";
import { SETTINGS } from "./settings.js";
import { ConfigError } from "./types.js";

/** The environment variable each flag overrides. */
export const FLAG_ENV: ReadonlyMap<string, string> = new Map(SETTINGS.filter((s) => s.flag).map((s) => [s.flag!, s.env]));

/** parseArgs options: every flag of {@link SETTINGS} takes a value; `--help`/`-h` does not. */
const PARSE_OPTIONS = {
  ...Object.fromEntries(SETTINGS.filter((s) => s.flag).map((s) => [s.flag!.slice(2), { type: "string" as const }])),
  help: { type: "boolean" as const, short: "h" },
};

/**
 * Parses command-line flags with `node:util` parseArgs (`--flag value` or `--flag=value`; the
 * last of a repeated flag wins): the values by flag, and whether `--help`/`-h` was given.
 * @param allowHelp - accept `--help`/`-h` (the CLI); otherwise they are unknown options.
 * @throws ConfigError `<arg>: unknown option (see --help)` or `<flag>: missing value`.
 * @internal
 */
export function parseFlags(argv: readonly string[], allowHelp = false): { values: Map<string, string>; help: boolean } {
  // Not strict: unknown options and positionals come back as tokens, reported with our texts.
  const { tokens } = parseArgs({ args: [...argv], options: PARSE_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  const values = new Map<string, string>();
  // `--help` anywhere wins over everything else, even as the value a flag before it took.
  const help = tokens.some((t) => t.kind === "option" && (t.name === "help" || (!t.inlineValue && (t.value === "--help" || t.value === "-h"))));
  if (allowHelp && help) return { values, help };
  for (const token of tokens) {
    const arg = argv[token.index]!;
    if (token.kind === "option" && FLAG_ENV.has(token.rawName)) {
      if (token.value === undefined) throw new ConfigError(`${token.rawName}: missing value`);
      values.set(token.rawName, token.value);
    } else {
      throw new ConfigError(`${arg}: unknown option (see --help)`);
    }
  }
  return { values, help: false };
}
