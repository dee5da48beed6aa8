// The Raya DAP session: it only translates. Requests become calls on the runtime's Debugger
// (runtime/debug, through runtime/index.ts) and the Debugger's callbacks become DAP events.
// Every handler answers a bad request (unknown thread, frame, reference, context) with an error
// response naming the problem; nothing a client sends can crash the adapter.
//
// A session is either the root session of a run (it launched the program) or a child session
// attached to one context of a run through `startDebugging` (docs/debugger.md, "Child sessions").
import * as fs from "node:fs";
import type * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { ContinuedEvent, DebugSession, Handles, InitializedEvent, OutputEvent, StoppedEvent, TerminatedEvent, ThreadEvent, ExitedEvent, Event, Response } from "@vscode/debugadapter";
import type { DebugProtocol } from "@vscode/debugprotocol";
import { CompileError, VmError, type ContextSummary, type DebugStop, type DebugVariable, type OutputCategory, type SourceLocation, type VariableContainer } from "../runtime/index";
import { argumentProblem } from "./arguments";
import { builtInCapabilities } from "./capabilities";
import { childSessionToken, runForToken } from "./child-server";
import { validateLaunch, LaunchError, type LaunchArguments, type LaunchPlan } from "./launch";
import { DebugRun, safeName, type RunSession } from "./run";

export type { LaunchArguments } from "./launch";

export interface SessionOptions {
  /** When set, launch requests must carry this `serverToken`. */
  token?: string;
}

interface AttachArguments extends DebugProtocol.AttachRequestArguments {
  __rayaContextId?: unknown;
  __rayaParentSession?: unknown;
}

/** How long launch waits for configurationDone before running anyway. */
const CONFIGURATION_TIMEOUT_MS = 5_000;
/** How long the client has to answer startDebugging. */
const START_DEBUGGING_TIMEOUT_MS = 10_000;

class RequestError extends Error {}

export class RayaDebugSession extends DebugSession implements RunSession {
  private run: DebugRun | null = null;
  /** For a child session: the one context it shows. */
  private childContext: number | null = null;
  private readonly frames = new Handles<{ threadId: number; frame: number }>();
  private readonly containers = new Handles<VariableContainer>();
  private readonly sourceRefs = new Map<string, number>();
  private readonly sourceNames = new Map<number, string>();
  private configurationDone!: () => void;
  private readonly configured = new Promise<void>((resolve) => (this.configurationDone = resolve));
  private started = false;
  private ended = false;
  private supportsStartDebugging = false;
  /** Where rayaSnapshotContext writes when no path is given. */
  private snapshotDefaultDir = os.tmpdir();

  constructor(private readonly options: SessionOptions = {}) {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
  }

  /** The run this session shows (after launch or attach). */
  get debugRun(): DebugRun | null {
    return this.run;
  }

  private requireRun(): DebugRun {
    if (this.run === null) throw new RequestError("no program is being debugged in this session yet (launch first)");
    return this.run;
  }

  // ---- RunSession (called by the run)

  end(exitCode: number): void {
    if (this.ended) return;
    this.ended = true;
    this.sendEvent(new ExitedEvent(exitCode));
    this.sendEvent(new TerminatedEvent());
  }

  reportStop(stop: DebugStop): void {
    this.forgetHandles();
    const event = new StoppedEvent(stop.reason, stop.threadId, stop.text) as DebugProtocol.StoppedEvent;
    event.body.allThreadsStopped = this.allShownPaused();
    this.sendEvent(event);
  }

  handOver(threadIds: number[]): void {
    for (const threadId of threadIds) {
      this.sendEvent(new ContinuedEvent(threadId, false));
      this.sendEvent(new ThreadEvent("exited", threadId));
    }
  }

  reportOutput(text: string, category: OutputCategory, location?: SourceLocation): void {
    const event = new OutputEvent(text, category) as DebugProtocol.OutputEvent;
    if (location !== undefined) {
      event.body.source = this.sourceOf(location.file);
      event.body.line = location.line;
      event.body.column = location.column;
    }
    this.sendEvent(event);
  }

  sendCustomEvent(event: string, body: unknown): void {
    this.sendEvent(new Event(event, body));
  }

  requestChildSession(context: ContextSummary, token: string): void {
    const configuration = { type: "raya", request: "attach", name: `${context.name} #${context.id}`, __rayaContextId: context.id, __rayaParentSession: token };
    this.sendRequest("startDebugging", { request: "attach", configuration }, START_DEBUGGING_TIMEOUT_MS, (response) => {
      if (!response.success) {
        this.reportOutput(`no child session for context '${context.name}' #${context.id} (${response.message ?? "refused"}): its Tasks stay in this session\n`, "console");
      }
    });
  }

  // ---- views

  /** True when this session shows context `id`. */
  private shows(id: number): boolean {
    return this.run !== null && this.run.viewerOf(id) === this;
  }

  /** Every living context this session shows is paused (a stop then holds all its threads). */
  private allShownPaused(): boolean {
    if (this.run === null) return true;
    return this.run.debugger.contextStates().every((c) => c.paused || !this.shows(c.id));
  }

  /** Only one living context is shown (continuing it continues every shown thread). */
  private showsOneContext(): boolean {
    if (this.run === null) return true;
    return this.run.debugger.contextStates().filter((c) => this.shows(c.id)).length <= 1;
  }

  /** Variable and frame handles are valid only while the program stays stopped. */
  private forgetHandles(): void {
    this.frames.reset();
    this.containers.reset();
  }

  /** Every request's arguments are checked first: a malformed one is answered with an error
   *  naming the argument, and never reaches a handler. */
  protected override dispatchRequest(request: DebugProtocol.Request): void {
    const problem = argumentProblem(request.command, request.arguments);
    if (problem === null) {
      super.dispatchRequest(request);
      return;
    }
    const response = new Response(request);
    this.sendErrorResponse(response, { id: 2, format: `${request.command}: ${problem}`, showUser: true });
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

  protected override initializeRequest(response: DebugProtocol.InitializeResponse, args: DebugProtocol.InitializeRequestArguments): void {
    this.supportsStartDebugging = args.supportsStartDebuggingRequest === true;
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
        { filter: "limits", label: "Resource Limits", description: "Stop before a context is ended for reaching maxStepBudget or maxTasks", default: false },
      ],
    };
    this.sendResponse(response);
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.configurationDone();
    this.sendResponse(response);
    // A child session attached to a context that is already stopped: show that stop.
    if (this.childContext !== null && this.run !== null) {
      const stop = this.run.debugger.lastStopOf(this.childContext);
      if (stop !== null) this.reportStop(stop);
    }
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArguments): Promise<void> {
    if (this.started) return this.fail(response, "this session has already launched a program");
    let plan: LaunchPlan;
    try {
      plan = validateLaunch(args, this.options.token);
    } catch (error) {
      return this.fail(response, error instanceof Error ? error.message : String(error));
    }
    this.started = true;
    const run = new DebugRun(this);
    this.run = run;
    this.snapshotDefaultDir = plan.cwd;
    run.snapshotDir = plan.snapshotOnLimit;
    run.debugger.snapshotOnLimit = plan.snapshotOnLimit !== null;
    if (this.supportsStartDebugging) {
      try {
        run.childToken = await childSessionToken(run, (socket) => serveChildSession(socket));
      } catch (error) {
        this.reportOutput(`child sessions are off: cannot open their socket: ${error instanceof Error ? error.message : String(error)}\n`, "console");
      }
    }
    const capabilities = builtInCapabilities(plan.capabilities, (line) => run.output(`${line}\n`, "console", run.rootContextId));
    let contextId: number;
    try {
      contextId = plan.snapshot !== null ? this.loadSnapshot(run, plan, capabilities) : this.loadProgram(run, plan, capabilities);
    } catch (error) {
      if (error instanceof CompileError) return this.compileFailed(response, error, plan.program as string);
      run.dispose();
      this.run = null;
      this.started = false; // nothing ran: the client may launch again
      return this.fail(response, error instanceof Error ? error.message : String(error));
    }
    if (plan.args.length > 0) {
      this.reportOutput("note: 'args' are not passed on: Raya programs have no command-line argument API yet\n", "console");
    }
    this.sendEvent(new InitializedEvent());
    await Promise.race([this.configured, new Promise((resolve) => setTimeout(resolve, CONFIGURATION_TIMEOUT_MS))]);
    this.sendResponse(response); // before the first slice runs, so its events follow the response
    try {
      run.debugger.start(contextId, plan.stopOnEntry);
    } catch (error) {
      this.reportOutput(`cannot start: ${error instanceof Error ? error.message : String(error)}\n`, "stderr");
      run.exited(2);
    }
  }

  private loadProgram(run: DebugRun, plan: LaunchPlan, capabilities: ReturnType<typeof builtInCapabilities>): number {
    const program = plan.program as string;
    const source = fs.readFileSync(program, "utf8");
    const limits = plan.sandbox ? plan.limits : undefined;
    return run.debugger.load({ source, filename: program, limits, capabilities });
  }

  private loadSnapshot(run: DebugRun, plan: LaunchPlan, capabilities: ReturnType<typeof builtInCapabilities>): number {
    const file = plan.snapshot as string;
    if (plan.sandbox) this.reportOutput("note: a restored snapshot runs without limits: 'sandbox' and 'limits' apply to programs only\n", "console");
    try {
      return run.debugger.loadSnapshot(new Uint8Array(fs.readFileSync(file)), { name: path.basename(file), capabilities });
    } catch (error) {
      throw new LaunchError(`'snapshot' ${file} cannot be restored: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private compileFailed(response: DebugProtocol.Response, error: CompileError, program: string): void {
    for (const diagnostic of error.diagnostics) {
      this.reportOutput(`${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: error: ${diagnostic.message}\n`, "stderr", {
        file: diagnostic.file,
        line: diagnostic.line,
        column: diagnostic.column,
      });
    }
    this.fail(response, `${path.basename(program)} has ${error.diagnostics.length} compile error(s)`);
    this.run?.exited(2);
  }

  private fail(response: DebugProtocol.Response, message: string): void {
    this.sendErrorResponse(response, { id: 2, format: message, showUser: true });
  }

  /** A child session: it shows one context of a run of this process (see child-server.ts). */
  protected override attachRequest(response: DebugProtocol.AttachResponse, args: AttachArguments): void {
    this.guard(response, () => {
      if (this.started) throw new RequestError("this session is already debugging");
      if (args.__rayaParentSession === undefined) {
        throw new RequestError("attach is only for child sessions started by the adapter ('__rayaParentSession'); use launch");
      }
      const run = runForToken(args.__rayaParentSession);
      if (!(run instanceof DebugRun)) throw new RequestError("'__rayaParentSession' does not name a debug run of this adapter");
      if (typeof args.__rayaContextId !== "number") throw new RequestError("'__rayaContextId' must be a context id");
      run.attachChild(args.__rayaContextId, this);
      this.started = true;
      this.run = run;
      this.childContext = args.__rayaContextId;
      this.sendEvent(new InitializedEvent());
    });
  }

  protected override disconnectRequest(response: DebugProtocol.DisconnectResponse): void {
    this.stopShowing();
    this.sendResponse(response);
  }

  protected override terminateRequest(response: DebugProtocol.TerminateResponse): void {
    this.stopShowing();
    this.sendResponse(response);
    this.end(0);
  }

  /** The root session ends the run; a child session ends its context (others run on). */
  private stopShowing(): void {
    const run = this.run;
    if (run === null) return;
    if (this.childContext === null) {
      run.debugger.terminate();
      run.exited(0);
      return;
    }
    run.detachChild(this);
    const id = this.childContext;
    if (run.debugger.contextStates().some((c) => c.id === id)) run.debugger.terminateContext(id);
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
      const results = this.requireRun().debugger.setBreakpoints(file, requests);
      response.body = { breakpoints: results.map((r) => ({ verified: r.verified, line: r.line, message: r.message, source: args.source })) };
    });
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.guard(response, () => {
      const results = this.requireRun().debugger.setFunctionBreakpoints(args.breakpoints.map((b) => ({ name: b.name, condition: b.condition, hitCondition: b.hitCondition })));
      response.body = { breakpoints: results.map((r) => ({ verified: r.verified, line: r.line, message: r.message })) };
    });
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.guard(response, () => {
      const unknown = args.filters.filter((f) => f !== "caught" && f !== "uncaught" && f !== "limits");
      if (unknown.length > 0) throw new RequestError(`unknown exception filter(s): ${unknown.join(", ")}`);
      const filters = { caught: args.filters.includes("caught"), uncaught: args.filters.includes("uncaught"), limits: args.filters.includes("limits") };
      // A child session's filters apply to its own context only.
      this.requireRun().debugger.setExceptionFilters(filters, this.childContext ?? undefined);
    });
  }

  // ---- execution

  /** The context of a thread this session shows, or null for a thread it does not know. */
  private contextOfThread(threadId: number): number | null {
    const run = this.requireRun();
    try {
      const id = run.debugger.contextOf(threadId);
      return this.shows(id) ? id : null;
    } catch {
      return null;
    }
  }

  /** The living contexts this session shows. */
  private shownContexts(): number[] {
    return this.requireRun().debugger.contextStates().filter((c) => this.shows(c.id)).map((c) => c.id);
  }

  /** Continues the thread's context (the threads of a context stop and go together); a thread
   *  no longer known continues every context the session shows. */
  protected override continueRequest(response: DebugProtocol.ContinueResponse, args: DebugProtocol.ContinueArguments): void {
    this.guard(response, () => {
      const run = this.requireRun();
      this.forgetHandles();
      const context = this.contextOfThread(args.threadId);
      for (const id of context === null ? this.shownContexts() : [context]) run.debugger.continue(id);
      response.body = { allThreadsContinued: context === null || this.showsOneContext() };
    });
  }

  /** Pauses the thread's context only (others keep running). */
  protected override pauseRequest(response: DebugProtocol.PauseResponse, args: DebugProtocol.PauseArguments): void {
    this.guard(response, () => {
      const run = this.requireRun();
      const context = this.contextOfThread(args.threadId);
      for (const id of context === null ? this.shownContexts() : [context]) run.debugger.pause(id);
    });
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
      this.requireRun().debugger.step(args.threadId, kind, args.singleThread === true);
      this.forgetHandles();
    });
  }

  // ---- inspection

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    this.guard(response, () => {
      const run = this.requireRun();
      response.body = { threads: run.debugger.threads((id) => run.viewerOf(id) === this).map((t) => ({ id: t.threadId, name: t.name })) };
    });
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    this.guard(response, () => {
      const all = this.requireRun().debugger.frames(args.threadId);
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
      const text = file === undefined ? null : this.requireRun().debugger.sourceText(file);
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
      const scopes = this.requireRun().debugger.scopes(threadId, frame);
      const list: DebugProtocol.Scope[] = [{ name: "Locals", presentationHint: "locals", variablesReference: this.containers.create(scopes.locals), expensive: false }];
      if (scopes.closure !== null) list.push({ name: "Closure", variablesReference: this.containers.create(scopes.closure), expensive: false });
      list.push({ name: "Globals", variablesReference: this.containers.create(scopes.globals), expensive: false });
      list.push({ name: "Context", variablesReference: this.containers.create(scopes.context), expensive: false });
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
      const variables = this.requireRun().debugger.variables(container, args.start, args.count);
      response.body = { variables: variables.map((v) => this.toDapVariable(v)) };
    });
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    this.guard(response, () => {
      const variable = this.requireRun().debugger.setVariable(this.container(args.variablesReference), args.name, args.value);
      const dap = this.toDapVariable(variable);
      response.body = { value: dap.value, type: dap.type, variablesReference: dap.variablesReference, indexedVariables: dap.indexedVariables, namedVariables: dap.namedVariables };
    });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    this.guard(response, () => {
      const frame = args.frameId === undefined ? undefined : this.frame(args.frameId);
      // Without a frame, a child session evaluates among its own context's globals.
      const result = this.requireRun().debugger.evaluate(args.expression, frame?.threadId, frame?.frame, this.childContext ?? undefined);
      const dap = this.toDapVariable(result);
      response.body = { result: dap.value, type: dap.type, variablesReference: dap.variablesReference, indexedVariables: dap.indexedVariables, namedVariables: dap.namedVariables };
    });
  }

  // ---- context control (custom requests, docs/debugger.md)

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    const handler = this.customHandlers[command];
    if (handler === undefined) return this.fail(response, `unknown request '${command}'`);
    this.guard(response, () => {
      const body = handler(this.requireRun(), (args ?? {}) as Record<string, unknown>);
      response.body = body;
    });
  }

  private readonly customHandlers: Record<string, (run: DebugRun, args: Record<string, unknown>) => unknown> = {
    rayaContexts: (run) => ({ contexts: run.debugger.contexts() }),
    rayaPauseContext: (run, args) => {
      run.debugger.pause(contextIdArgument(args));
      return {};
    },
    rayaContinueContext: (run, args) => {
      const id = contextIdArgument(args);
      if (this.shows(id)) this.forgetHandles();
      run.debugger.continue(id);
      return {};
    },
    rayaTerminateContext: (run, args) => {
      run.debugger.terminateContext(contextIdArgument(args));
      return {};
    },
    rayaSnapshotContext: (run, args) => {
      const id = contextIdArgument(args);
      if (args.path !== undefined && (typeof args.path !== "string" || args.path === "")) throw new RequestError("'path' must be a file path");
      const bytes = run.debugger.snapshotContext(id);
      const name = `${safeName(run.debugger.nameOf(id))}-${id}-${Date.now()}.rayasnap`;
      const file = typeof args.path === "string" ? path.resolve(this.snapshotDefaultDir, args.path) : path.join(this.snapshotDefaultDir, name);
      try {
        fs.writeFileSync(file, bytes);
      } catch (error) {
        throw new RequestError(`cannot write ${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
      return { path: file, bytes: bytes.length };
    },
    rayaRestoreContext: (run, args) => {
      if (typeof args.path !== "string" || args.path === "") throw new RequestError("'path' must be the path of a .rayasnap file");
      if (args.name !== undefined && typeof args.name !== "string") throw new RequestError("'name' must be a string");
      const file = path.resolve(this.snapshotDefaultDir, args.path);
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(fs.readFileSync(file));
      } catch (error) {
        throw new RequestError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
      }
      try {
        return { contextId: run.debugger.restoreContext(bytes, typeof args.name === "string" ? args.name : path.basename(file, ".rayasnap")) };
      } catch (error) {
        if (error instanceof VmError) throw new RequestError(`cannot restore ${file}: ${error.kind}: ${error.message}`);
        throw error;
      }
    },
  };
}

function contextIdArgument(args: Record<string, unknown>): number {
  if (typeof args.contextId !== "number" || !Number.isInteger(args.contextId)) throw new RequestError("'contextId' must be a context id (an integer)");
  return args.contextId;
}

/** A connection to the child-session socket: a DAP session that must attach to a run. */
export function serveChildSession(socket: net.Socket): void {
  const session = new RayaDebugSession();
  session.setRunAsServer(true);
  session.start(socket, socket);
}
