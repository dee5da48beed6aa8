// The runtime-side debugger, exported through runtime/index.ts. It knows nothing of DAP.
export {
  Debugger, type DebugListener, type DebugStop, type StopReason, type BreakpointRequest, type FunctionBreakpointRequest,
  type BreakpointResult, type DebugThread, type DebugFrame, type LaunchOptions, type OutputCategory, type SourceLocation,
  type LimitName, type ExceptionFilters, type ContextSummary, formatBytes, formatCount, gauge,
} from "./debugger";
export { EvaluationError } from "./evaluate";
export type { DebugVariable, VariableContainer } from "./values";
