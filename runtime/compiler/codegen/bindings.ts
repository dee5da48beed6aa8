// What a name refers to during code generation, and the lexical scopes that map names to it.
import type * as A from "../ast";
import type { LocalVarInfo } from "../../bytecode/module";

/** Any compiler that owns local slots (FunctionCompiler); kept abstract to avoid an import cycle. */
export interface SlotOwner {
  readonly id: number;
}

export interface LocalBinding {
  kind: "local";
  name: string;
  slot: number;
  /** The slot holds a Box because a nested function captures the variable. */
  boxed: boolean;
  owner: SlotOwner;
  classDecl?: A.ClassDecl;
}
export interface GlobalBinding {
  kind: "global";
  name: string;
  slot: number;
  classDecl?: A.ClassDecl;
  fnDecl?: A.FunctionDecl;
  /** For `const f = async () => ...` and friends: whether the initialiser is an async function. */
  asyncInit?: boolean;
}
export interface BuiltinBinding {
  kind: "builtin";
  name: string;
}
export interface CapabilityBinding {
  kind: "capability";
  name: string;
}
/** `import * as ns`: members resolve statically. */
export interface NamespaceBinding {
  kind: "namespace";
  /** What each exported name is bound to (null: the module has no such export). */
  members: (name: string) => Binding | null;
}
export type Binding = LocalBinding | GlobalBinding | BuiltinBinding | CapabilityBinding | NamespaceBinding;

export class Scope {
  readonly names = new Map<string, Binding>();
  /** Debugger entries opened in this scope; closed (endPc set) when it ends. */
  readonly openLocals: LocalVarInfo[] = [];

  constructor(readonly parent: Scope | null) {}

  lookup(name: string): Binding | null {
    for (let s: Scope | null = this; s; s = s.parent) {
      const b = s.names.get(name);
      if (b) return b;
    }
    return null;
  }
}
