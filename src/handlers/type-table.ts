import { FRAMEWORK_TYPE_URL_PREFIX, TYPE_URL_PREFIX, typeNameFromUrl } from "../core/any.js";
import type { MessageType } from "../core/message.js";
import { DefinitionError } from "./errors.js";

/**
 * A dispatch table keyed by full message name, looked up by type URL. Both URL prefixes the
 * framework uses are precomputed at registration, so the hot path is one Map lookup on the
 * URL as received, with no string slicing and no allocation; any other prefix falls back to
 * the text after the last `/`.
 * @internal
 */
export class TypeTable<V> {
  readonly #byName = new Map<string, V>();
  readonly #byUrl = new Map<string, V>();
  readonly #what: string;
  readonly #owner: string | undefined;

  /**
   * @param what - used in duplicate-registration errors, e.g. `command handler`.
   * @param owner - the component named in those errors, e.g. `CommandRouter(orders)`.
   */
  constructor(what: string, owner?: string) {
    this.#what = what;
    this.#owner = owner;
  }

  /** Register `value` for a type; a second registration for the same name is a DefinitionError. */
  set(type: MessageType | string, value: V): void {
    const name = typeof type === "string" ? type : type.$type;
    if (this.#byName.has(name)) {
      throw new DefinitionError(`${this.#owner ? `${this.#owner}: ` : ""}duplicate ${this.#what} for ${name}`);
    }
    this.#byName.set(name, value);
    this.#byUrl.set(TYPE_URL_PREFIX + name, value);
    this.#byUrl.set(FRAMEWORK_TYPE_URL_PREFIX + name, value);
  }

  /** The entry for a type URL (any prefix), or undefined. */
  get(typeUrl: string): V | undefined {
    const hit = this.#byUrl.get(typeUrl);
    return hit !== undefined ? hit : this.#byName.get(typeNameFromUrl(typeUrl));
  }

  /** The entry for a full message name, or undefined. */
  getByName(name: string): V | undefined {
    return this.#byName.get(name);
  }

  /** Registered full names, in registration order. */
  names(): string[] {
    return [...this.#byName.keys()];
  }

  /** Number of registered types. */
  get size(): number {
    return this.#byName.size;
  }
}
