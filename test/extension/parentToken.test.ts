import * as assert from "node:assert/strict";
import { parseParentSessionToken } from "../../extension/parentToken";

describe("extension parent-session token", () => {
  it("reads the socket path and the secret", () => {
    assert.deepEqual(parseParentSessionToken("unix:/tmp/raya-dap-Ab12/child.sock#s3cr3t"), {
      socketPath: "/tmp/raya-dap-Ab12/child.sock",
      secret: "s3cr3t",
    });
  });

  it("takes the secret after the last '#', so a path may contain '#'", () => {
    assert.deepEqual(parseParentSessionToken("unix:/tmp/a#b/child.sock#xyz"), { socketPath: "/tmp/a#b/child.sock", secret: "xyz" });
  });

  it("rejects tokens that do not name an absolute socket and a secret, saying why", () => {
    const cases: [unknown, RegExp][] = [
      [undefined, /missing or not a string/],
      [42, /missing or not a string/],
      ["", /missing or not a string/],
      ["tcp:127.0.0.1:4711#s", /does not start with "unix:"/],
      ["unix:/tmp/child.sock", /no '#<secret>' part/],
      ["unix:child.sock#s", /not absolute/],
      ["unix:/tmp/child.sock#", /secret is empty/],
    ];
    for (const [token, message] of cases) assert.throws(() => parseParentSessionToken(token), message, String(token));
  });
});
