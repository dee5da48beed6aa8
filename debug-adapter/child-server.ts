// The private Unix-socket server child sessions connect to. For every context created during a
// run, the parent session asks the client (reverse request `startDebugging`) to start a child
// session whose configuration carries `__rayaParentSession`: "unix:<socket path>#<secret>". The
// extension connects that child session to this socket, so it lands in this very process, next
// to the run it belongs to. The socket is in a fresh 0700 directory with mode 0600, and the
// secret (per run) must match: only the user who started the adapter, for a run that exists.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

let listening: Promise<string> | null = null;
const runsBySecret = new Map<string, unknown>();

/** Starts the server once per process; `serve` runs a DAP session on each connection. */
function ensureServer(serve: (socket: net.Socket) => void): Promise<string> {
  if (listening !== null) return listening;
  listening = new Promise<string>((resolve, reject) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-dap-"));
    const socketPath = path.join(dir, "child.sock");
    const server = net.createServer((socket) => {
      socket.on("error", () => socket.destroy());
      serve(socket);
    });
    const previousMask = process.umask(0o177); // created 0600, never briefly wider
    server.once("error", (error) => {
      process.umask(previousMask);
      listening = null;
      reject(error);
    });
    server.listen(socketPath, () => {
      process.umask(previousMask);
      fs.chmodSync(socketPath, 0o600);
      server.unref(); // child sessions never keep the adapter alive on their own
      process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
      resolve(socketPath);
    });
  });
  return listening;
}

/** Registers `run` and returns the opaque token its child sessions must present. */
export async function childSessionToken(run: unknown, serve: (socket: net.Socket) => void): Promise<string> {
  const socketPath = await ensureServer(serve);
  const secret = randomBytes(24).toString("hex");
  runsBySecret.set(secret, run);
  return `unix:${socketPath}#${secret}`;
}

/** The run a child session's `__rayaParentSession` token names, or null. */
export function runForToken(token: unknown): unknown {
  if (typeof token !== "string") return null;
  const hash = token.lastIndexOf("#");
  if (!token.startsWith("unix:") || hash < 0) return null;
  return runsBySecret.get(token.slice(hash + 1)) ?? null;
}

/** The run ended: its token opens nothing any more. */
export function forgetToken(token: string): void {
  const hash = token.lastIndexOf("#");
  if (hash >= 0) runsBySecret.delete(token.slice(hash + 1));
}
