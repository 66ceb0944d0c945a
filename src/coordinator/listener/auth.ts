/**
 * Optional bearer-token authentication (off unless tokens are configured; the reference has
 * none). Health is always open. Tokens never appear in statuses or logs.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { status as Status, type Metadata } from "@grpc/grpc-js";
import { RpcError } from "../rpc-error.js";

/** Checks `authorization: Bearer <token>` metadata against a fixed token set. */
export class TokenAuth {
  private readonly digests: Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.map(digest);
  }

  /**
   * Throws UNAUTHENTICATED `missing bearer token` when no bearer token is sent and
   * PERMISSION_DENIED `permission denied` when it is not one of the configured tokens.
   */
  check(metadata: Metadata): void {
    const header = metadata.get("authorization")[0];
    const match = typeof header === "string" ? /^Bearer\s+(.+)$/i.exec(header.trim()) : null;
    if (!match) throw new RpcError(Status.UNAUTHENTICATED, "missing bearer token");
    // Comparing fixed-length digests in constant time hides both the tokens and their lengths.
    const sent = digest(match[1]!);
    if (!this.digests.some((d) => timingSafeEqual(d, sent))) throw new RpcError(Status.PERMISSION_DENIED, "permission denied");
  }
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token, "utf8").digest();
}
