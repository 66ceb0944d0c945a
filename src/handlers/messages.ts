/**
 * Wire messages of the business-logic services that handler code meets, re-exported by name
 * (those the client API already exports are not repeated). Each is a type and its codec.
 * @module
 */
export { ContextualCommand, Notification, RejectionNotification } from "../gen/angzarr/types.js";
export { FactRequest, ReplayRequest, ReplayResponse, RevocationResponse } from "../gen/angzarr/command_handler.js";
export { ProcessManagerPrepareRequest, ProcessManagerPrepareResponse } from "../gen/angzarr/process_manager.js";
export { UpcastRequest, UpcastResponse } from "../gen/angzarr/upcaster.js";
