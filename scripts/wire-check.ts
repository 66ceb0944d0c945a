/**
 * Checks the project's protos against the Angzarr 0.5.1 wire facts
 * (test/fixtures/angzarr-wire.json): every message, field, enum, enum value, service and
 * method must exist with the same numbers, types, labels, oneofs and streaming flags.
 *
 *   npx tsx scripts/wire-check.ts [facts.json] [image.json]
 *
 * Without an image it builds one with `buf build proto`. Last line: `wire: N/M facts match`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface FactField {
  name: string;
  number: number;
  label: string;
  type: string;
  oneof: string | null;
  proto3_optional: boolean;
}
export interface Facts {
  messages: Record<string, { fields: FactField[] }>;
  enums: Record<string, { values: Array<{ name: string; number: number }> }>;
  services: Record<
    string,
    { methods: Array<{ name: string; input_type: string; output_type: string; client_streaming: boolean; server_streaming: boolean }> }
  >;
}
/** The parts of buf's JSON descriptor image (a google.protobuf.FileDescriptorSet) the check reads. */
export interface DescriptorImage {
  file?: FileJson[];
}
interface FileJson {
  name: string;
  package: string;
  messageType?: MessageJson[];
  enumType?: EnumJson[];
  service?: ServiceJson[];
}
interface MessageJson {
  name: string;
  field?: FieldJson[];
  nestedType?: MessageJson[];
  enumType?: EnumJson[];
  oneofDecl?: Array<{ name: string }>;
  reservedRange?: Array<{ start: number; end: number }>;
}
interface FieldJson {
  name: string;
  number: number;
  type?: string;
  typeName?: string;
  label?: string;
  proto3Optional?: boolean;
  oneofIndex?: number;
}
interface EnumJson {
  name: string;
  value?: Array<{ name: string; number?: number }>;
}
interface ServiceJson {
  name: string;
  method?: Array<{ name: string; inputType: string; outputType: string; clientStreaming?: boolean; serverStreaming?: boolean }>;
}

const SCALARS: Record<string, string> = {
  TYPE_DOUBLE: "double",
  TYPE_FLOAT: "float",
  TYPE_INT64: "int64",
  TYPE_UINT64: "uint64",
  TYPE_INT32: "int32",
  TYPE_FIXED64: "fixed64",
  TYPE_FIXED32: "fixed32",
  TYPE_BOOL: "bool",
  TYPE_STRING: "string",
  TYPE_BYTES: "bytes",
  TYPE_UINT32: "uint32",
  TYPE_SFIXED32: "sfixed32",
  TYPE_SFIXED64: "sfixed64",
  TYPE_SINT32: "sint32",
  TYPE_SINT64: "sint64",
};

/** Flatten an image into maps keyed by full name. */
function index(image: DescriptorImage) {
  const messages = new Map<string, MessageJson>();
  const enums = new Map<string, EnumJson>();
  const services = new Map<string, ServiceJson>();
  const walk = (prefix: string, msgs: MessageJson[] = [], ens: EnumJson[] = []) => {
    for (const e of ens) enums.set(`${prefix}.${e.name}`, e);
    for (const m of msgs) {
      const full = `${prefix}.${m.name}`;
      messages.set(full, m);
      walk(full, m.nestedType, m.enumType);
    }
  };
  for (const file of image.file ?? []) {
    walk(file.package, file.messageType, file.enumType);
    for (const s of file.service ?? []) services.set(`${file.package}.${s.name}`, s);
  }
  return { messages, enums, services };
}

function fieldView(msg: MessageJson, f: FieldJson) {
  const optional = Boolean(f.proto3Optional);
  return {
    number: f.number,
    type: f.typeName ? f.typeName.replace(/^\./, "") : SCALARS[f.type ?? ""],
    label: f.label === "LABEL_REPEATED" ? "repeated" : optional ? "optional" : "singular",
    // proto3 `optional` fields live in a synthetic oneof; the facts do not count it as one
    oneof: f.oneofIndex !== undefined && !optional ? msg.oneofDecl![f.oneofIndex]!.name : null,
    proto3_optional: optional,
  };
}

export function compareWire(facts: Facts, image: DescriptorImage): { total: number; matched: number; problems: string[] } {
  const { messages, enums, services } = index(image);
  const problems: string[] = [];
  let total = 0;
  const check = (ok: boolean, problem: string) => {
    total += 1;
    if (!ok) problems.push(problem);
  };
  for (const [name, fact] of Object.entries(facts.messages)) {
    const msg = messages.get(name);
    check(msg !== undefined, `message ${name} missing`);
    for (const ff of fact.fields) {
      const f = msg?.field?.find((x) => x.name === ff.name);
      const got = f ? fieldView(msg!, f) : undefined;
      const want = { number: ff.number, type: ff.type, label: ff.label, oneof: ff.oneof, proto3_optional: ff.proto3_optional };
      check(JSON.stringify(got) === JSON.stringify(want), `field ${name}.${ff.name}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
    }
  }
  for (const [name, fact] of Object.entries(facts.enums)) {
    const en = enums.get(name);
    check(en !== undefined, `enum ${name} missing`);
    for (const v of fact.values) {
      const got = en?.value?.find((x) => x.name === v.name);
      check(got !== undefined && (got.number ?? 0) === v.number, `enum value ${name}.${v.name} = ${v.number} missing or renumbered`);
    }
  }
  for (const [name, fact] of Object.entries(facts.services)) {
    const svc = services.get(name);
    check(svc !== undefined, `service ${name} missing`);
    for (const m of fact.methods) {
      const got = svc?.method?.find((x) => x.name === m.name);
      const same =
        got !== undefined &&
        got.inputType.replace(/^\./, "") === m.input_type &&
        got.outputType.replace(/^\./, "") === m.output_type &&
        Boolean(got.clientStreaming) === m.client_streaming &&
        Boolean(got.serverStreaming) === m.server_streaming;
      check(same, `method ${name}/${m.name} missing or changed`);
    }
  }
  return { total, matched: total - problems.length, problems };
}

/** Build `proto/` into a JSON descriptor image with the buf binary from npm. */
export function buildImage(protoDir = "proto"): DescriptorImage {
  const dir = mkdtempSync(join(tmpdir(), "wire-"));
  try {
    const out = join(dir, "image.json");
    execFileSync("npx", ["buf", "build", protoDir, "--exclude-source-info", "-o", out], { stdio: "inherit" });
    return JSON.parse(readFileSync(out, "utf8")) as DescriptorImage;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const facts = JSON.parse(readFileSync(process.argv[2] ?? "test/fixtures/angzarr-wire.json", "utf8")) as Facts;
  const image = process.argv[3] ? (JSON.parse(readFileSync(process.argv[3], "utf8")) as DescriptorImage) : buildImage();
  const result = compareWire(facts, image);
  for (const p of result.problems) console.log(`mismatch: ${p}`);
  console.log(`wire: ${result.matched}/${result.total} facts match`);
  process.exit(result.problems.length === 0 ? 0 : 1);
}
