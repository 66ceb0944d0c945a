/**
 * The package's public surface as text: every name each entry point of package.json "exports"
 * offers (values and types), read with the TypeScript compiler from the source entry files.
 * One section per entry point, one `name: kind` line per export, sorted by name.
 */
import { resolve } from "node:path";
import ts from "typescript";

/** The entry points of package.json "exports" and their source files. */
export const ENTRY_POINTS: ReadonlyArray<{ specifier: string; file: string }> = [
  { specifier: "angzarr-client", file: "src/index.ts" },
  { specifier: "angzarr-client/coordinator", file: "src/coordinator/index.ts" },
  { specifier: "angzarr-client/testing", file: "src/testing/index.ts" },
];

/** One exported name of an entry point. */
export interface PublicExport {
  /** The name importers write. */
  name: string;
  /** What it is, e.g. `class`, `function`, `const+interface`; `type-only` when exported with `export type`. */
  kind: string;
}

const KINDS: ReadonlyArray<[ts.SymbolFlags, string]> = [
  [ts.SymbolFlags.Class, "class"],
  [ts.SymbolFlags.Function, "function"],
  [ts.SymbolFlags.Variable, "const"],
  [ts.SymbolFlags.Enum, "enum"],
  [ts.SymbolFlags.ValueModule, "namespace"],
  [ts.SymbolFlags.Interface, "interface"],
  [ts.SymbolFlags.TypeAlias, "type"],
];

/** The names each entry point exports, keyed by its package specifier. */
export function publicExports(): Map<string, PublicExport[]> {
  const parsed = ts.getParsedCommandLineOfConfigFile(
    resolve("tsconfig.json"),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  )!;
  const files = ENTRY_POINTS.map((e) => resolve(e.file));
  const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const result = new Map<string, PublicExport[]>();
  for (const entry of ENTRY_POINTS) {
    const source = program.getSourceFile(resolve(entry.file));
    const module = source && checker.getSymbolAtLocation(source);
    if (!module) throw new Error(`${entry.file} is not a module`);
    const names = checker
      .getExportsOfModule(module)
      .map((symbol) => ({ name: symbol.name, kind: kindOf(checker, symbol) }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    result.set(entry.specifier, names);
  }
  return result;
}

/** The kinds of the declaration an export resolves to, joined with `+`. */
function kindOf(checker: ts.TypeChecker, symbol: ts.Symbol): string {
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
  const kinds = KINDS.filter(([flag]) => target.flags & flag).map(([, kind]) => kind);
  const kind = kinds.length > 0 ? kinds.join("+") : "unknown";
  return isTypeOnly(checker, symbol) && kinds.some((k) => !["interface", "type"].includes(k)) ? `${kind} (type-only)` : kind;
}

/** True when some re-export on the way to the declaration is `export type`. */
function isTypeOnly(checker: ts.TypeChecker, symbol: ts.Symbol): boolean {
  let current: ts.Symbol | undefined = symbol;
  for (let hops = 0; current && current.flags & ts.SymbolFlags.Alias && hops < 32; hops++) {
    if (current.declarations?.some((d) => ts.isTypeOnlyImportOrExportDeclaration(d))) return true;
    current = checker.getImmediateAliasedSymbol(current);
  }
  return false;
}

/** The surface as the text of test/fixtures/public-api.txt. */
export function formatPublicApi(exports: Map<string, PublicExport[]>): string {
  const sections = [...exports].map(([specifier, names]) => {
    const values = names.filter((n) => !/^(interface|type)$/.test(n.kind)).length;
    const header = `## ${specifier}: ${names.length} names (${values} values, ${names.length - values} types only)`;
    return [header, ...names.map((n) => `${n.name}: ${n.kind}`)].join("\n");
  });
  return `${sections.join("\n\n")}\n`;
}
