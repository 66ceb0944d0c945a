/** The coordinator's listener credentials: plaintext, TLS, or mutual TLS. */
import { readFileSync } from "node:fs";
import { ServerCredentials } from "@grpc/grpc-js";
import { ConfigError, type CoordinatorTlsConfig } from "../config/types.js";

/**
 * Insecure credentials without `tls`; otherwise the certificate chain and key (PEM, given or
 * read from files) and, when a CA is given, client certificates verified against it (required
 * with `requireClientCert`).
 * @throws ConfigError naming the setting when a file cannot be read or the PEM is unusable.
 */
export function serverCredentials(tls: CoordinatorTlsConfig | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  const cert = pem(tls.cert, tls.certFile, "tls.cert");
  const key = pem(tls.key, tls.keyFile, "tls.key");
  const ca = tls.ca !== undefined || tls.caFile !== undefined ? pem(tls.ca, tls.caFile, "tls.ca") : null;
  try {
    return ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], tls.requireClientCert ?? false);
  } catch (err) {
    throw new ConfigError(`tls: unusable certificate, key or CA: ${(err as Error).message}`);
  }
}

function pem(value: string | Buffer | undefined, file: string | undefined, setting: string): Buffer {
  if (value !== undefined) return Buffer.from(value);
  try {
    return readFileSync(file!);
  } catch (err) {
    throw new ConfigError(`${setting}File: cannot read ${JSON.stringify(file)}: ${(err as Error).message}`);
  }
}
