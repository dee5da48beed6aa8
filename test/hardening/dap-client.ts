// A raw DAP client for the debugger-fault suite: it frames whatever it is given (ill-typed
// arguments, garbage JSON, requests without a command) and reads the adapter's responses and
// events, against a RayaDebugSession served in this process on a loopback socket.
import * as net from "node:net";
import { RayaDebugSession } from "../../debug-adapter/session";

export interface DapResponse {
  type: "response";
  request_seq: number;
  success: boolean;
  command: string;
  message?: string;
  body?: Record<string, unknown>;
}

export interface DapEvent {
  type: "event";
  event: string;
  body?: Record<string, unknown>;
}

const WAIT_MS = 5_000;

/** Serves one RayaDebugSession per connection, in this process. */
export class InProcessAdapter {
  private readonly server = net.createServer((socket) => {
    socket.on("error", () => socket.destroy());
    const session = new RayaDebugSession();
    session.setRunAsServer(true);
    session.start(socket, socket);
  });

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

export class RawDapClient {
  private readonly socket: net.Socket;
  private buffer = Buffer.alloc(0);
  private seq = 1;
  private readonly pending = new Map<number, (response: DapResponse) => void>();
  private readonly unmatched: DapResponse[] = [];
  readonly events: DapEvent[] = [];
  private readonly eventWaiters: { name: string; resolve: (event: DapEvent) => void }[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
  }

  static connect(port: number): Promise<RawDapClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, "127.0.0.1", () => resolve(new RawDapClient(socket)));
      socket.on("error", reject);
    });
  }

  /** Sends a request with `args` exactly as given (any JSON value, or none when undefined). */
  request(command: string, args?: unknown): Promise<DapResponse> {
    const seq = this.seq++;
    const message: Record<string, unknown> = { seq, type: "request", command };
    if (args !== undefined) message.arguments = args;
    return this.sendFramed(JSON.stringify(message), seq);
  }

  /** Sends `body` as one framed message; resolves with the response to `seq` if one is expected. */
  sendFramed(body: string, seq: number | null = null): Promise<DapResponse> {
    const payload = Buffer.from(body, "utf8");
    // One write: a header and a body in two small writes meet Nagle's delay on loopback.
    this.socket.write(Buffer.concat([Buffer.from(`Content-Length: ${payload.length}\r\n\r\n`, "ascii"), payload]));
    if (seq === null) return Promise.resolve({ type: "response", request_seq: -1, success: true, command: "(none)" });
    return this.responseTo(seq);
  }

  /** The next sequence number this client will use. */
  nextSeq(): number {
    return this.seq++;
  }

  responseTo(seq: number): Promise<DapResponse> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no response to request ${seq} within ${WAIT_MS} ms`)), WAIT_MS);
      this.pending.set(seq, (response) => {
        clearTimeout(timer);
        resolve(response);
      });
    });
  }

  /** Responses that answered no request this client is waiting for (e.g. to a message without seq). */
  get strayResponses(): readonly DapResponse[] {
    return this.unmatched;
  }

  waitForEvent(name: string): Promise<DapEvent> {
    const seen = this.events.find((e) => e.event === name);
    if (seen !== undefined) {
      this.events.splice(this.events.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no '${name}' event within ${WAIT_MS} ms`)), WAIT_MS);
      this.eventWaiters.push({
        name,
        resolve: (event) => {
          clearTimeout(timer);
          resolve(event);
        },
      });
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const match = /Content-Length: (\d+)/i.exec(this.buffer.subarray(0, headerEnd).toString("ascii"));
      if (match === null) throw new Error("the adapter sent a message without Content-Length");
      const length = Number(match[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = this.buffer.subarray(headerEnd + 4, headerEnd + 4 + length).toString("utf8");
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(JSON.parse(body) as DapResponse | DapEvent | { type: "request" });
    }
  }

  private dispatch(message: DapResponse | DapEvent | { type: "request" }): void {
    if (message.type === "response") {
      const waiter = this.pending.get(message.request_seq);
      if (waiter === undefined) this.unmatched.push(message);
      else {
        this.pending.delete(message.request_seq);
        waiter(message);
      }
    } else if (message.type === "event") {
      const index = this.eventWaiters.findIndex((w) => w.name === message.event);
      if (index >= 0) this.eventWaiters.splice(index, 1)[0].resolve(message);
      else this.events.push(message);
    }
  }
}
