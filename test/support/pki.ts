/**
 * Throwaway certificates, made at run time with the openssl CLI in a temporary directory: a CA
 * with a server certificate (127.0.0.1, localhost) and a client certificate, and a second,
 * unrelated CA with a client certificate of its own. Nothing is kept after `remove()`.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM files (paths) and their contents. */
export interface Pki {
  dir: string;
  files: { ca: string; serverCert: string; serverKey: string; clientCert: string; clientKey: string };
  ca: Buffer;
  serverCert: Buffer;
  serverKey: Buffer;
  clientCert: Buffer;
  clientKey: Buffer;
  /** Another CA, which signed none of the servers' certificates. */
  rogueCa: Buffer;
  /** A client certificate from that CA, which the servers must refuse. */
  rogueClientCert: Buffer;
  rogueClientKey: Buffer;
  remove(): void;
}

/** Creates the certificates (P-256 keys, valid for one day). */
export function makePki(): Pki {
  const dir = mkdtempSync(join(tmpdir(), "angzarr-pki-"));
  const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const key = (name: string) => ssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", `${name}.key`);
  const ca = (name: string) => {
    key(name);
    ssl("req", "-x509", "-new", "-key", `${name}.key`, "-out", `${name}.crt`, "-days", "1", "-subj", `/CN=${name}`);
  };
  const issue = (name: string, caName: string, extensions: string) => {
    key(name);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    ssl("req", "-new", "-key", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`);
    ssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${caName}.crt`,
      "-CAkey",
      `${caName}.key`,
      "-CAcreateserial",
      "-out",
      `${name}.crt`,
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
    );
  };
  ca("test-ca");
  ca("rogue-ca");
  issue("server", "test-ca", "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  issue("client", "test-ca", "extendedKeyUsage=clientAuth\n");
  issue("rogue-client", "rogue-ca", "extendedKeyUsage=clientAuth\n");
  const files = {
    ca: join(dir, "test-ca.crt"),
    serverCert: join(dir, "server.crt"),
    serverKey: join(dir, "server.key"),
    clientCert: join(dir, "client.crt"),
    clientKey: join(dir, "client.key"),
  };
  const read = (name: string) => readFileSync(join(dir, name));
  return {
    dir,
    files,
    ca: read("test-ca.crt"),
    serverCert: read("server.crt"),
    serverKey: read("server.key"),
    clientCert: read("client.crt"),
    clientKey: read("client.key"),
    rogueCa: read("rogue-ca.crt"),
    rogueClientCert: read("rogue-client.crt"),
    rogueClientKey: read("rogue-client.key"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
