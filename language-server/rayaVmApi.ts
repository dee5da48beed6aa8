// The names the `raya:vm` module exports, for completion inside `import { ... } from "raya:vm"`.
// The checker does not know `raya:vm` yet (it reports "Module 'raya:vm' is not available yet."),
// so there are no types to read; this list is the documented surface of the inner-VM API
// (docs/bytecode.md lists Vm, Compiler and VmError among the runtime's global names). When the
// checker declares the module, completion should read its exports instead of this list.
export interface RayaVmExport {
  name: string;
  description: string;
}

export const RAYA_VM_MODULE = "raya:vm";

export const RAYA_VM_EXPORTS: readonly RayaVmExport[] = [
  { name: "Vm", description: "An isolated inner VM (its own heap, scheduler and step budget) that runs compiled Raya code." },
  { name: "Compiler", description: "Compiles Raya source to a program an inner Vm can run." },
  { name: "VmError", description: "The error raised when an inner VM fails (limits exceeded, invalid program, uncaught error)." },
];
