// Small questions about syntax trees that more than one compiler stage asks.
import type * as A from "./ast";

/** Whether a member/index/call chain contains an optional link (`?.`), which short-circuits it. */
export function hasOptionalLink(e: A.Expr): boolean {
  for (;;) {
    if (e.kind === "Member" || e.kind === "Index") {
      if (e.optional) return true;
      e = e.object;
    } else if (e.kind === "Call") {
      if (e.optional) return true;
      e = e.callee;
    } else {
      return false;
    }
  }
}
