// Reading the `__rayaParentSession` token of a child-session configuration. The parent
// adapter serves child sessions on a private Unix socket and names it in the token:
//   unix:<absolute socket path>#<secret>
// The extension only needs the path (to connect); the secret travels on to the adapter
// inside the attach configuration, which is where it is checked. No `vscode` import.
import * as path from "node:path";

export interface ParentSessionAddress {
  socketPath: string;
  secret: string;
}

const SCHEME = "unix:";

/** Parses a parent-session token; throws an Error naming what is wrong with it. */
export function parseParentSessionToken(token: unknown): ParentSessionAddress {
  if (typeof token !== "string" || token.length === 0) {
    throw new Error("the child session's __rayaParentSession token is missing or not a string");
  }
  if (!token.startsWith(SCHEME)) {
    throw new Error(`the __rayaParentSession token does not start with "${SCHEME}"`);
  }
  // The secret is the part after the last '#': a socket path may itself contain '#'.
  const hash = token.lastIndexOf("#");
  if (hash < 0) throw new Error("the __rayaParentSession token has no '#<secret>' part");
  const socketPath = token.slice(SCHEME.length, hash);
  const secret = token.slice(hash + 1);
  if (!path.isAbsolute(socketPath)) {
    throw new Error(`the __rayaParentSession token's socket path is not absolute: "${socketPath}"`);
  }
  if (secret.length === 0) throw new Error("the __rayaParentSession token's secret is empty");
  return { socketPath, secret };
}
