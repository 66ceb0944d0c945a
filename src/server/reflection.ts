/**
 * gRPC server reflection (`grpc.reflection.v1` and `v1alpha`, for older tools) over the SDK's
 * descriptors, through the grpc-node project's `@grpc/reflection`: `grpcurl list`, `describe`
 * and calls without local .proto files work against the coordinator and every SDK server.
 */
import type { Server } from "@grpc/grpc-js";
import { loadFileDescriptorSetFromBuffer, type PackageDefinition } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { DESCRIPTOR_SET_BASE64 } from "../gen/descriptor-set.js";

/** The health service's name, listed by reflection wherever health is served. */
const HEALTH = "grpc.health.v1.Health";

let definitions: PackageDefinition | undefined;

/**
 * Registers the reflection services on `server`, describing `services` (fully qualified names,
 * e.g. `angzarr.CommandHandlerService`) and `grpc.health.v1.Health`. The descriptors are
 * decoded once per process.
 * @internal
 */
export function addReflection(server: Pick<Server, "addService">, services: readonly string[]): void {
  definitions ??= loadFileDescriptorSetFromBuffer(Buffer.from(DESCRIPTOR_SET_BASE64, "base64"));
  new ReflectionService(definitions, { services: [...services, HEALTH] }).addToServer(server);
}
