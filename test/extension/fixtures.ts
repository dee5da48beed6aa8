// Builders of RayaContextInfo values for the extension's unit tests.
import type { RayaContextInfo, RayaContextStats } from "../../extension/protocol";

export function contextInfo(
  id: number,
  overrides: Partial<Omit<RayaContextInfo, "stats">> & { stats?: Partial<RayaContextStats> } = {},
): RayaContextInfo {
  const { stats, ...rest } = overrides;
  return {
    id,
    name: `ctx${id}`,
    parentId: null,
    state: "running",
    exitReason: null,
    ...rest,
    stats: {
      heapBytesUsed: 1000,
      maxHeapBytes: null,
      tasks: 1,
      maxTasks: null,
      stepsExecuted: 500,
      maxStepBudget: null,
      ...stats,
    },
  };
}
