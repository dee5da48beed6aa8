import * as assert from "node:assert/strict";
import { makeNonce, monitorContext, monitorCsp, monitorHtml, readMonitorAction } from "../../extension/monitorHtml";
import { contextInfo } from "./fixtures";

describe("extension Resource Monitor page", () => {
  const nonce = makeNonce();
  const html = monitorHtml(nonce);

  it("makes a fresh 128-bit nonce per page", () => {
    assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
    assert.notEqual(makeNonce(), nonce);
  });

  it("declares a policy that forbids everything but its own nonce-bearing style and script", () => {
    const csp = monitorCsp(nonce);
    assert.match(csp, /^default-src 'none'/);
    assert.ok(csp.includes(`script-src 'nonce-${nonce}'`));
    assert.ok(csp.includes(`style-src 'nonce-${nonce}'`));
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:|\*/);
    assert.ok(html.includes(`<meta http-equiv="Content-Security-Policy" content="${csp}">`));
  });

  it("puts the nonce on every script and style element, and loads nothing remote", () => {
    const scripts = html.match(/<script\b[^>]*>/g) ?? [];
    const styles = html.match(/<style\b[^>]*>/g) ?? [];
    assert.equal(scripts.length, 1);
    assert.equal(styles.length, 1);
    for (const tag of [...scripts, ...styles]) assert.ok(tag.includes(`nonce="${nonce}"`), tag);
    assert.doesNotMatch(html, /\bsrc=|\bhref=|<link\b|@import|url\(/);
    // The only URL is the SVG namespace, which is a name, not a fetch.
    assert.deepEqual(html.match(/https?:\/\/[^\s"']+/g), ["http://www.w3.org/2000/svg"]);
    // No inline event handlers or style attributes (the policy would block them anyway).
    assert.doesNotMatch(html, /\son[a-z]+=|\sstyle=/);
    // Text from the adapter is never parsed as HTML.
    assert.doesNotMatch(html, /innerHTML|outerHTML|insertAdjacentHTML|document\.write/);
  });

  it("sends each context's gauges and history to the page", () => {
    const info = contextInfo(2, { name: "plugin", parentId: 1, stats: { heapBytesUsed: 3 * 1024, maxHeapBytes: 4 * 1024 } });
    const history = [
      { t: 0, heapBytesUsed: 1024, stepsExecuted: 10, tasks: 1 },
      { t: 500, heapBytesUsed: 3072, stepsExecuted: 40, tasks: 2 },
    ];
    const shown = monitorContext(info, history);
    assert.equal(shown.stateText, "running");
    assert.deepEqual(shown.heap, [1024, 3072]);
    assert.deepEqual(shown.steps, [10, 40]);
    assert.deepEqual(shown.gauges[0], { kind: "heap", fraction: 0.75, level: "warning", text: "heap 3 KB / 4 KB (75%)" });
  });

  it("accepts only well-formed actions from the page", () => {
    assert.deepEqual(readMonitorAction({ type: "action", action: "terminate", sessionId: "s", contextId: 2 }), {
      type: "action",
      action: "terminate",
      sessionId: "s",
      contextId: 2,
    });
    assert.equal(readMonitorAction({ type: "action", action: "rm -rf", sessionId: "s", contextId: 2 }), undefined);
    assert.equal(readMonitorAction({ type: "action", action: "pause", sessionId: 1, contextId: 2 }), undefined);
    assert.equal(readMonitorAction({ type: "action", action: "pause", sessionId: "s", contextId: "2" }), undefined);
    assert.equal(readMonitorAction("pause"), undefined);
  });
});
