// Assertions on the host API's VmError, shared by the Runtime suites.
import { strict as assert } from "node:assert";
import { VmError, type TaskHandle } from "../../runtime/index";

/** The VmError a handle rejects with (fails the test if it resolves). */
export async function failure(handle: TaskHandle): Promise<VmError> {
  try {
    const value = await handle.result();
    assert.fail(`expected a VmError, got ${JSON.stringify(value)}`);
  } catch (error) {
    assert.ok(error instanceof VmError, `not a VmError: ${String(error)}`);
    return error;
  }
}

/** The VmError `run` throws (fails the test if it returns). */
export function thrown(run: () => unknown): VmError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof VmError, `not a VmError: ${String(error)}`);
    return error;
  }
  assert.fail("expected a VmError");
}
