// The Raya DAP session: it only translates. Requests become calls on the runtime's Debugger
// (runtime/debug, through runtime/index.ts) and the Debugger's callbacks become DAP events.
// Every handler answers a bad request (unknown thread, frame, reference) with an error
// response naming the problem; nothing a client sends can crash the adapter.
import * as fs from "node:fs";
import * as path from "node:path";
import { DebugSession, Handles, InitializedEvent, OutputEvent, StoppedEvent, TerminatedEvent, ExitedEvent } from "@vscode/debugadapter";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { CompileError, Debugger, type DebugVariable, type VariableContainer } from "../runtime/index";

export interface LaunchArguments extends DebugProtocol.LaunchRequestArguments {
  program?: unknown;
  args?: unknown;
  cwd?: unknown;
  stopOnEntry?: unknown;
  /** Required when the adapter serves TCP connections (--server=<port>). */
  serverToken?: unknown;
}

export interface SessionOptions {
  /** When set, launch requests must carry this `serverToken`. */
  token?: string;
}

/** How long launch waits for configurationDone before running anyway. */
const CONFIGURATION_TIMEOUT_MS = 5_000;

class RequestError extends Error {}

export class RayaDebugSession extends DebugSession {
  private readonly debugger: Debugger;
  private readonly frames = new Handles<{ threadId: number; frame: number }>();
  private readonly containers = new Handles<VariableContainer>();
  private readonly sourceRefs = new Map<string, number>();
  private readonly sourceNames = new Map<number, string>();
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((resolve) => (this.configurationDone = resolve));
  private launched = false;
  private ended = false;

  constructor(private readonly options: SessionOptions = {}) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.debugger = new Debugger({
      stopped: (stop) => {
        this.forgetHandles();
        const event = new StoppedEvent(stop.reason, stop.threadId, stop.text) as DebugProtocol.StoppedEvent;
        event.body.allThreadsStopped = true;
        this.sendEvent(event);
      },
      output: (text, category) => this.sendEvent(new OutputEvent(text, category)),
      exited: (code) => this.end(code),
    });
  }

  private end(exitCode: number): void {
    if (this.ended) return;
    this.ended = true;
    this.sendEvent(new ExitedEvent(exitCode));
    this.sendEvent(new TerminatedEvent());
  }

  /** Variable and frame handles are valid only while the program stays stopped. */
  private forgetHandles(): void {
    this.frames.reset();
    this.containers.reset();
  }

  /** Runs a handler, turning any failure into an error response with its message. */
  private guard(response: DebugProtocol.Response, handler: () => void): void {
    try {
      handler();
      this.sendResponse(response);
    } catch (error) {
      this.sendErrorResponse(response, { id: 1, format: error instanceof Error ? error.message : String(error), showUser: true });
    }
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsConditionalBreakpoints: true,
      supportsHitConditionalBreakpoints: true,
      supportsLogPoints: true,
      supportsFunctionBreakpoints: true,
      supportsEvaluateForHovers: true,
      supportsSetVariable: true,
      supportsTerminateRequest: true,
      supportsSingleThreadExecutionRequests: true,
      exceptionBreakpointFilters: [
        { filter: "caught", label: "Caught Exceptions", default: false },
        { filter: "uncaught", label: "Uncaught Exceptions", default: true },
      ],
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone();
    this.sendResponse(response);
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArguments): Promise<void> {
    if (this.launched) return this.fail(response, "this session has already launched a program");
    let program: string;
    let source: string;
    try {
      program = this.validateLaunch(args);
      source = fs.readFileSync(program, "utf8");
    } catch (error) {
      return this.fail(response, error instanceof Error ? error.message : String(error));
    }
    this.launched = true;
    let contextId: number;
    try {
      contextId = this.debugger.load({ source, filename: program });
    } catch (error) {
      if (!(error instanceof CompileError)) return this.fail(response, `cannot compile ${program}: ${String(error)}`);
      for (const diagnostic of error.diagnostics) {
        const event = new OutputEvent(`${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: error: ${diagnostic.message}\n`, "stderr") as DebugProtocol.OutputEvent;
        event.body.source = this.sourceOf(diagnostic.file);
        event.body.line = diagnostic.line;
        event.body.column = diagnostic.column;
        this.sendEvent(event);
      }
      this.fail(response, `${path.basename(program)} has ${error.diagnostics.length} compile error(s)`);
      this.end(2);
      return;
    }
    if (Array.isArray(args.args) && args.args.length > 0) {
      this.sendEvent(new OutputEvent("note: 'args' are not passed on: Raya programs have no command-line argument API yet\n", "console"));
    }
    this.sendEvent(new InitializedEvent());
    await Promise.race([this.configured, new Promise((resolve) => setTimeout(resolve, CONFIGURATION_TIMEOUT_MS))]);
    this.sendResponse(response); // before the first slice runs, so its events follow the response
    try {
      this.debugger.start(contextId, args.stopOnEntry === true);
    } catch (error) {
      this.sendEvent(new OutputEvent(`cannot start ${program}: ${error instanceof Error ? error.message : String(error)}\n`, "stderr"));
      this.end(2);
    }
  }

  private fail(response: DebugProtocol.Response, message: string): void {
    this.sendErrorResponse(response, { id: 2, format: message, showUser: true });
  }

  /** Checks the launch attributes; returns the program's absolute path. */
  private validateLaunch(args: LaunchArguments): string {
    if (this.options.token !== undefined && args.serverToken !== this.options.token) {
      throw new RequestError("'serverToken' is missing or wrong: this adapter server requires the token it printed at startup");
    }
    if (args.cwd !== undefined && (typeof args.cwd !== "string" || !isDirectory(args.cwd))) {
      throw new RequestError("'cwd' must be the path of an existing directory");
    }
    if (typeof args.program !== "string" || !args.program.endsWith(".raya")) {
      throw new RequestError("'program' must be a path to a .raya file");
    }
    if (args.args !== undefined && !(Array.isArray(args.args) && args.args.every((a) => typeof a === "string"))) {
      throw new RequestError("'args' must be an array of strings");
    }
    if (args.stopOnEntry !== undefined && typeof args.stopOnEntry !== "boolean") {
      throw new RequestError("'stopOnEntry' must be true or false");
    }
    const program = path.resolve(typeof args.cwd === "string" ? args.cwd : process.cwd(), args.program);
    if (!fs.existsSync(program)) throw new RequestError(`'program' names ${program}, which does not exist`);
    return program;
  }

  protected override attachRequest(response: DebugProtocol.AttachResponse): void {
    this.fail(response, "attach is not supported yet: use launch");
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.debugger.terminate();
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.debugger.terminate();
    this.sendResponse(response);
    this.end(0);
  }

  // ---- breakpoints

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    this.guard(response, () => {
      const file = args.source.path ?? this.sourceNames.get(args.source.sourceReference ?? -1);
      if (file === undefined) throw new RequestError("setBreakpoints needs a source with a path or a known sourceReference");
      const given: DebugProtocol.SourceBreakpoint[] = args.breakpoints ?? (args.lines ?? []).map((line) => ({ line }));
      const requests = given.map((b) => ({
        line: b.line,
        condition: b.condition,
        hitCondition: b.hitCondition,
        logMessage: b.logMessage,
      }));
      const results = this.debugger.setBreakpoints(file, requests);
      response.body = { breakpoints: results.map((r) => ({ verified: r.verified, line: r.line, message: r.message, source: args.source })) };
    });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.guard(response, () => {
      const results = this.debugger.setFunctionBreakpoints(args.breakpoints.map((b) => ({ name: b.name, condition: b.condition, hitCondition: b.hitCondition })));
      response.body = { breakpoints: results.map((r) => ({ verified: r.verified, line: r.line, message: r.message })) };
    });
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.guard(response, () => {
      const unknown = args.filters.filter((f) => f !== "caught" && f !== "uncaught");
      if (unknown.length > 0) throw new RequestError(`unknown exception filter(s): ${unknown.join(", ")}`);
      this.debugger.setExceptionFilters({ caught: args.filters.includes("caught"), uncaught: args.filters.includes("uncaught") });
    });
  }

  // ---- execution

  protected override continueRequest(response: DebugProtocol.ContinueResponse): void {
    this.guard(response, () => {
      this.forgetHandles();
      this.debugger.continue();
      response.body = { allThreadsContinued: true };
    });
  }

  protected override pauseRequest(response: DebugProtocol.PauseResponse): void {
    this.guard(response, () => this.debugger.pause());
  }

  protected override nextRequest(response: DebugProtocol.NextResponse, args: DebugProtocol.NextArguments): void {
    this.step(response, args, "over");
  }

  protected override stepInRequest(response: DebugProtocol.StepInResponse, args: DebugProtocol.StepInArguments): void {
    this.step(response, args, "in");
  }

  protected override stepOutRequest(response: DebugProtocol.StepOutResponse, args: DebugProtocol.StepOutArguments): void {
    this.step(response, args, "out");
  }

  private step(response: DebugProtocol.Response, args: { threadId: number; singleThread?: boolean }, kind: "over" | "in" | "out"): void {
    this.guard(response, () => {
      this.debugger.step(args.threadId, kind, args.singleThread === true);
      this.forgetHandles();
    });
  }

  // ---- inspection

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    this.guard(response, () => {
      response.body = { threads: this.debugger.threads().map((t) => ({ id: t.threadId, name: t.name })) };
    });
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.guard(response, () => {
      const all = this.debugger.frames(args.threadId);
      const start = args.startFrame ?? 0;
      const frames = all.slice(start, args.levels ? start + args.levels : undefined);
      response.body = {
        totalFrames: all.length,
        stackFrames: frames.map((f) => ({
          id: this.frames.create({ threadId: args.threadId, frame: f.index }),
          name: f.function,
          source: this.sourceOf(f.file),
          line: f.line,
          column: f.column,
        })),
      };
    });
  }

  /** A file on disk is shown by path; code compiled from a string by a sourceReference. */
  private sourceOf(file: string): DebugProtocol.Source {
    if (path.isAbsolute(file) && fs.existsSync(file)) return { name: path.basename(file), path: file };
    let reference = this.sourceRefs.get(file);
    if (reference === undefined) {
      reference = this.sourceRefs.size + 1;
      this.sourceRefs.set(file, reference);
      this.sourceNames.set(reference, file);
    }
    return { name: path.basename(file), sourceReference: reference };
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    this.guard(response, () => {
      const reference = args.source?.sourceReference ?? args.sourceReference;
      const file = this.sourceNames.get(reference);
      const text = file === undefined ? null : this.debugger.sourceText(file);
      if (text === null) throw new RequestError(`unknown sourceReference ${reference}`);
      response.body = { content: text, mimeType: "text/x-raya" };
    });
  }

  private frame(frameId: number): { threadId: number; frame: number } {
    const frame = this.frames.get(frameId);
    if (frame === undefined) throw new RequestError(`unknown frameId ${frameId} (frames are valid only while stopped)`);
    return frame;
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    this.guard(response, () => {
      const { threadId, frame } = this.frame(args.frameId);
      const scopes = this.debugger.scopes(threadId, frame);
      const list: DebugProtocol.Scope[] = [{ name: "Locals", presentationHint: "locals", variablesReference: this.containers.create(scopes.locals), expensive: false }];
      if (scopes.closure !== null) list.push({ name: "Closure", variablesReference: this.containers.create(scopes.closure), expensive: false });
      list.push({ name: "Globals", variablesReference: this.containers.create(scopes.globals), expensive: false });
      response.body = { scopes: list };
    });
  }

  private container(reference: number): VariableContainer {
    const container = this.containers.get(reference);
    if (container === undefined) throw new RequestError(`unknown variablesReference ${reference} (references are valid only while stopped)`);
    return container;
  }

  private toDapVariable(variable: DebugVariable): DebugProtocol.Variable {
    return {
      name: variable.name,
      value: variable.value,
      type: variable.type,
      variablesReference: variable.children === null ? 0 : this.containers.create(variable.children),
      indexedVariables: variable.indexedCount,
      namedVariables: variable.namedCount,
    };
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    this.guard(response, () => {
      const container = this.container(args.variablesReference);
      const variables = this.debugger.variables(container, args.start, args.count);
      response.body = { variables: variables.map((v) => this.toDapVariable(v)) };
    });
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.guard(response, () => {
      const variable = this.debugger.setVariable(this.container(args.variablesReference), args.name, args.value);
      const dap = this.toDapVariable(variable);
      response.body = { value: dap.value, type: dap.type, variablesReference: dap.variablesReference, indexedVariables: dap.indexedVariables, namedVariables: dap.namedVariables };
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.guard(response, () => {
      const frame = args.frameId === undefined ? undefined : this.frame(args.frameId);
      const result = this.debugger.evaluate(args.expression, frame?.threadId, frame?.frame);
      const dap = this.toDapVariable(result);
      response.body = { result: dap.value, type: dap.type, variablesReference: dap.variablesReference, indexedVariables: dap.indexedVariables, namedVariables: dap.namedVariables };
    });
  }

  protected override customRequest(command: string, response: DebugProtocol.Response): void {
    this.fail(response, `unknown request '${command}'`);
  }
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}
