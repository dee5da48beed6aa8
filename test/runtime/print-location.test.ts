// VmContext.printObserver (for the debugger's output events): each printed line comes with the
// Task printing it, whose top frame's pc lies in the calling instruction.
import { strict as assert } from "node:assert";
import { Runtime } from "../../runtime/index";

describe("print locations", () => {
  it("a line printed by console.log comes with the Task and the position of the call", async () => {
    const rt = new Runtime();
    const seen: string[] = [];
    rt.on("contextLoaded", ({ id }) => {
      const context = rt.context(id)!.vmContext!;
      context.printObserver = (line, task) => {
        assert.ok(task !== null);
        const fn = task.frameClosure[task.fp].proto;
        const { line: at, column } = fn.positionAt(task.framePc[task.fp] - 1);
        seen.push(`${line} @ ${fn.fileName}:${at}:${column}`);
      };
    });
    const ctx = rt.createContext({ name: "printer" });
    ctx.loadSource(`export function go(): void {\n  const x = 1;\n  console.log("first", x);\n  if (x > 0) {\n    console.log("second");\n  }\n}`, "p.raya");
    await ctx.runEntry("go", []).result();
    assert.deepEqual(seen, ["first 1 @ p.raya:3:3", "second @ p.raya:5:5"]);
    rt.terminateAll();
  });
});
