export * from "./message.js";
export * from "./any.js";
export * from "./uuid.js";
export * from "./identity.js";
export * from "./time.js";
export * from "./books.js";
export * from "./names.js";
