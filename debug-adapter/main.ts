// The Raya debug adapter's entry point (bundled to dist/debugAdapter.js).
//   node dist/debugAdapter.js                   DAP over stdin/stdout (one session)
//   node dist/debugAdapter.js --server=4711     serves sessions on 127.0.0.1:4711 (0 = any free port);
//                                               each launch must carry the printed `serverToken`
//   node dist/debugAdapter.js --server=/p/a.sock   serves sessions on a Unix socket (mode 0600)
//   node dist/debugAdapter.js --server=socket   as above, in a fresh private (0700) temp directory
// In server mode the first stdout line says where it listens, as JSON.
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { RayaDebugSession } from "./session";

function main(argv: string[]): void {
  const serverArg = argv.find((a) => a.startsWith("--server="));
  if (serverArg === undefined) {
    const session = new RayaDebugSession();
    session.start(process.stdin, process.stdout);
    return;
  }
  const where = serverArg.slice("--server=".length);
  if (/^\d+$/.test(where)) serveTcp(Number(where));
  else serveUnixSocket(where);
}

/** TCP is reachable by every local user, so launches must prove they got the token from us. */
function serveTcp(port: number): void {
  const token = randomBytes(24).toString("hex");
  const server = net.createServer((socket) => startSession(socket, token));
  server.listen(port, "127.0.0.1", () => {
    const address = server.address() as net.AddressInfo;
    process.stdout.write(`${JSON.stringify({ host: "127.0.0.1", port: address.port, serverToken: token })}\n`);
  });
}

/** A Unix socket only its owner can open: mode 0600, by default in a private directory. */
function serveUnixSocket(where: string): void {
  const socketPath = where.includes(path.sep) ? path.resolve(where) : path.join(fs.mkdtempSync(path.join(os.tmpdir(), "raya-dap-")), where);
  const server = net.createServer((socket) => startSession(socket, undefined));
  const previousMask = process.umask(0o177); // the socket file is created 0600, with no window of wider access
  server.listen(socketPath, () => {
    process.umask(previousMask);
    fs.chmodSync(socketPath, 0o600);
    process.stdout.write(`${JSON.stringify({ socket: socketPath })}\n`);
  });
  const cleanUp = (): void => {
    try {
      fs.unlinkSync(socketPath);
    } catch {
      // already gone
    }
  };
  process.on("exit", cleanUp);
  process.on("SIGINT", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));
}

function startSession(socket: net.Socket, token: string | undefined): void {
  const session = new RayaDebugSession({ token });
  session.setRunAsServer(true);
  session.start(socket, socket);
  socket.on("error", () => socket.destroy());
}

main(process.argv.slice(2));
