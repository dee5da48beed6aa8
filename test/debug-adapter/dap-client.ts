// A small DAP client for tests: requests with promised responses, events kept in arrival order
// (so a wait never misses an event that came first), and answers to reverse requests such as
// startDebugging, which @vscode/debugadapter-testsupport's DebugClient ignores.
import * as net from "node:net";
import { PassThrough } from "node:stream";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { RayaDebugSession } from "../../debug-adapter/session";

/** Every wait gives up after this long. */
export const WAIT_MS = 5_000;

type ReverseHandler = (request: DebugProtocol.Request) => unknown;

export class DapClient {
  private seq = 1;
  private buffer = Buffer.alloc(0);
  private readonly pending = new Map<number, { resolve: (r: DebugProtocol.Response) => void; reject: (e: Error) => void; command: string }>();
  /** Events not yet taken by a wait, in arrival order. */
  private readonly unclaimed: DebugProtocol.Event[] = [];
  /** Every event received, for assertions over the whole session. */
  readonly allEvents: DebugProtocol.Event[] = [];
  private readonly waiters: { name: string; test: (e: DebugProtocol.Event) => boolean; resolve: (e: DebugProtocol.Event) => void }[] = [];
  /** Reverse requests received (startDebugging), in order. */
  readonly reverseRequests: DebugProtocol.Request[] = [];
  onReverseRequest: ReverseHandler = () => ({});

  constructor(private readonly write: (data: string) => void) {}

  receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const headerEnd = this.buffer.indexOf("\r\n\r\n");
      if (headerEnd < 0) return;
      const match = /Content-Length: (\d+)/.exec(this.buffer.toString("utf8", 0, headerEnd));
      if (match === null) throw new Error("DAP message without Content-Length");
      const length = Number(match[1]);
      if (this.buffer.length < headerEnd + 4 + length) return;
      const body = this.buffer.toString("utf8", headerEnd + 4, headerEnd + 4 + length);
      this.buffer = this.buffer.subarray(headerEnd + 4 + length);
      this.dispatch(JSON.parse(body) as DebugProtocol.ProtocolMessage);
    }
  }

  private dispatch(message: DebugProtocol.ProtocolMessage): void {
    if (message.type === "event") {
      const event = message as DebugProtocol.Event;
      this.allEvents.push(event);
      const waiter = this.waiters.findIndex((w) => w.name === event.event && w.test(event));
      if (waiter >= 0) this.waiters.splice(waiter, 1)[0].resolve(event);
      else this.unclaimed.push(event);
    } else if (message.type === "response") {
      const response = message as DebugProtocol.Response;
      const pending = this.pending.get(response.request_seq);
      if (pending === undefined) return;
      this.pending.delete(response.request_seq);
      if (response.success) pending.resolve(response);
      else pending.reject(new Error(response.message ?? `${pending.command} failed`));
    } else if (message.type === "request") {
      const request = message as DebugProtocol.Request;
      this.reverseRequests.push(request);
      Promise.resolve()
        .then(() => this.onReverseRequest(request))
        .then(
          (body) => this.send({ type: "response", request_seq: request.seq, success: true, command: request.command, body }),
          (error: Error) => this.send({ type: "response", request_seq: request.seq, success: false, command: request.command, message: error.message }),
        );
    }
  }

  private send(message: Record<string, unknown>): void {
    const json = JSON.stringify({ ...message, seq: this.seq++ });
    this.write(`Content-Length: ${Buffer.byteLength(json, "utf8")}\r\n\r\n${json}`);
  }

  request(command: string, args?: unknown): Promise<any> {
    const seq = this.seq;
    return new Promise<DebugProtocol.Response>((resolve, reject) => {
      this.pending.set(seq, { resolve, reject, command });
      this.send({ type: "request", command, arguments: args });
    });
  }

  /** The first event `name` (matching `test`) not taken by an earlier wait, received or to come. */
  waitForEvent<T extends DebugProtocol.Event = DebugProtocol.Event>(name: string, test: (e: T) => boolean = () => true, timeoutMs = WAIT_MS): Promise<T> {
    const index = this.unclaimed.findIndex((e) => e.event === name && test(e as T));
    if (index >= 0) return Promise.resolve(this.unclaimed.splice(index, 1)[0] as T);
    return new Promise<T>((resolve, reject) => {
      const waiter = { name, test: test as (e: DebugProtocol.Event) => boolean, resolve: resolve as (e: DebugProtocol.Event) => void };
      this.waiters.push(waiter);
      setTimeout(() => {
        const at = this.waiters.indexOf(waiter);
        if (at < 0) return;
        this.waiters.splice(at, 1);
        reject(new Error(`no event '${name}' after ${timeoutMs} ms`));
      }, timeoutMs);
    });
  }

  /** Output text received so far (every category, or one). */
  output(category?: string): string {
    return this.allEvents
      .filter((e) => e.event === "output" && (category === undefined || e.body.category === category))
      .map((e) => e.body.output as string)
      .join("");
  }

  /** Resolves once the output received so far contains `text`. */
  async waitForOutput(text: string, timeoutMs = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output().includes(text)) {
      if (Date.now() > deadline) throw new Error(`no output '${text}' after ${timeoutMs} ms; got: ${this.output().slice(-500)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** A RayaDebugSession in this process, with a client connected to it. */
export function inProcessSession(): { client: DapClient; session: RayaDebugSession } {
  const toAdapter = new PassThrough();
  const fromAdapter = new PassThrough();
  const session = new RayaDebugSession();
  session.setRunAsServer(true); // never process.exit on disconnect
  session.start(toAdapter, fromAdapter);
  const client = new DapClient((data) => toAdapter.write(data));
  fromAdapter.on("data", (chunk: Buffer) => client.receive(chunk));
  return { client, session };
}

/** A client on a Unix socket (a child session's connection). */
export async function socketClient(socketPath: string): Promise<{ client: DapClient; socket: net.Socket }> {
  const socket = net.connect(socketPath);
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  const client = new DapClient((data) => socket.write(data));
  socket.on("data", (chunk: Buffer) => client.receive(chunk));
  return { client, socket };
}
