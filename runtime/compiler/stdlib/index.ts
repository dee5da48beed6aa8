// The standard modules (`import { clamp } from "std:math"`): Raya source embedded in the
// compiler. The driver loads each one like a file whose name is its specifier, so the
// checker and codegen treat it as an ordinary module.
import { LOGGER_MODULE_SOURCE } from "./logger";
import { MATH_MODULE_SOURCE } from "./math";

const STANDARD_MODULES: ReadonlyMap<string, string> = new Map([
  ["std:math", MATH_MODULE_SOURCE],
  ["std:logger", LOGGER_MODULE_SOURCE],
]);

/** The Raya source of standard module `specifier` ("std:math"), or null when there is none. */
export function standardModuleSource(specifier: string): string | null {
  return STANDARD_MODULES.get(specifier) ?? null;
}

/** Every standard module's specifier, in a stable order (for documentation and tests). */
export function standardModuleNames(): string[] {
  return [...STANDARD_MODULES.keys()];
}
