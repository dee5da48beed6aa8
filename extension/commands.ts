// The commands of the Raya category: Launch Sandbox, Snapshot Context, Open Snapshot,
// Pause / Resume / Terminate Context and Show Resource Monitor. Context commands take their
// target from the contexts view or the monitor, or ask with a quick pick from the palette.
import * as path from "node:path";
import * as vscode from "vscode";
import { isContextsViewNode, targetOf, type ContextTarget } from "./contextsView";
import { formatBytes } from "./gauges";
import { CommandIds } from "./ids";
import { Requests, readSnapshotResponse, type RayaContextInfo, type SandboxLimits } from "./protocol";
import {
  defaultSnapshotPath,
  describeLimits,
  KNOWN_CAPABILITIES,
  LIMIT_PRESETS,
  limitInputValue,
  parseCountLimit,
  parseHeapLimit,
  sandboxConfiguration,
  snapshotConfiguration,
  type ParsedLimit,
} from "./sandboxOptions";
import { errorText, SessionTracker } from "./sessionTracker";

const SNAPSHOT_FILTERS = { "Raya snapshots": ["rayasnap"] };

export function registerCommands(
  tracker: SessionTracker,
  showMonitor: () => void,
  log: vscode.LogOutputChannel,
): vscode.Disposable {
  const context = new ContextCommands(tracker, log);
  const register = (id: string, run: (...args: unknown[]) => Promise<unknown> | unknown) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await run(...args);
      } catch (error) {
        log.error(`${id} failed: ${errorText(error)}`);
        void vscode.window.showErrorMessage(`Raya: ${errorText(error)}`);
      }
    });
  return vscode.Disposable.from(
    register(CommandIds.launchSandbox, (uri) => launchSandbox(asUri(uri))),
    register(CommandIds.openSnapshot, (uri) => openSnapshot(asUri(uri))),
    register(CommandIds.showResourceMonitor, showMonitor),
    register(CommandIds.pauseContext, (arg) => context.pause(arg)),
    register(CommandIds.resumeContext, (arg) => context.resume(arg)),
    register(CommandIds.terminateContext, (arg) => context.terminate(arg)),
    register(CommandIds.snapshotContext, (arg) => context.snapshot(arg)),
  );
}

function asUri(value: unknown): vscode.Uri | undefined {
  return value instanceof vscode.Uri ? value : undefined;
}

// ---------------------------------------------------------------------------------------
// Launch Sandbox and Open Snapshot

async function launchSandbox(given: vscode.Uri | undefined): Promise<void> {
  const program = given ?? (await pickProgram());
  if (program === undefined) return;
  const limits = await pickLimits();
  if (limits === undefined) return;
  const capabilities = await pickCapabilities();
  if (capabilities === undefined) return;
  const folder = vscode.workspace.getWorkspaceFolder(program);
  const started = await vscode.debug.startDebugging(folder, sandboxConfiguration(program.fsPath, limits, capabilities));
  if (!started) void vscode.window.showErrorMessage(`Raya: the sandbox for ${path.basename(program.fsPath)} did not start.`);
}

type ProgramItem = vscode.QuickPickItem & { uri?: vscode.Uri };

/** The active editor's .raya file first, then the workspace's, then a file dialog. */
async function pickProgram(): Promise<vscode.Uri | undefined> {
  const active = vscode.window.activeTextEditor?.document;
  const activeUri = active?.languageId === "raya" && active.uri.scheme === "file" ? active.uri : undefined;
  const found = await vscode.workspace.findFiles("**/*.raya", "**/node_modules/**", 500);
  const others = found.filter((uri) => uri.toString() !== activeUri?.toString()).sort((a, b) => a.fsPath.localeCompare(b.fsPath));
  const item = (uri: vscode.Uri, description: string): ProgramItem => ({
    label: path.basename(uri.fsPath),
    description,
    uri,
  });
  const items: ProgramItem[] = [];
  if (activeUri !== undefined) items.push(item(activeUri, "active editor"));
  for (const uri of others) items.push(item(uri, vscode.workspace.asRelativePath(path.dirname(uri.fsPath))));
  items.push({ label: "Browse...", description: "pick a .raya file from disk" });
  const picked = await vscode.window.showQuickPick(items, {
    title: "Raya: Launch Sandbox (1/3) — program",
    placeHolder: "The .raya file to run in a sandbox",
  });
  if (picked === undefined) return undefined;
  if (picked.uri !== undefined) return picked.uri;
  const chosen = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { Raya: ["raya"] }, openLabel: "Run in Sandbox" });
  return chosen?.[0];
}

type LimitItem = vscode.QuickPickItem & { limits?: SandboxLimits };

async function pickLimits(): Promise<SandboxLimits | undefined> {
  const items: LimitItem[] = LIMIT_PRESETS.map((preset) => ({
    label: preset.label,
    description: describeLimits(preset.limits),
    limits: preset.limits,
  }));
  items.push({ label: "Custom...", description: "type each limit" });
  const picked = await vscode.window.showQuickPick(items, {
    title: "Raya: Launch Sandbox (2/3) — limits",
    placeHolder: "The sandbox's heap, task and step limits",
  });
  if (picked === undefined) return undefined;
  return picked.limits ?? typeLimits(LIMIT_PRESETS[0].limits);
}

/** Three validated input boxes; empty means no limit. */
async function typeLimits(start: SandboxLimits): Promise<SandboxLimits | undefined> {
  const ask = async (title: string, prompt: string, value: string, parse: (text: string) => ParsedLimit) => {
    const text = await vscode.window.showInputBox({
      title,
      prompt,
      value,
      validateInput: (input) => {
        const parsed = parse(input);
        return parsed.ok ? undefined : parsed.message;
      },
    });
    if (text === undefined) return { cancelled: true as const };
    const parsed = parse(text);
    return { cancelled: false as const, value: parsed.ok ? parsed.value : undefined };
  };
  const heap = await ask("Raya: sandbox heap limit", "Heap limit, e.g. 4 MB or 512 KB (empty: no limit)", limitInputValue("heap", start.maxHeapBytes), parseHeapLimit);
  if (heap.cancelled) return undefined;
  const tasks = await ask("Raya: sandbox task limit", "Most Tasks alive at once (empty: no limit)", limitInputValue("count", start.maxTasks), (t) => parseCountLimit(t, "The task limit"));
  if (tasks.cancelled) return undefined;
  const steps = await ask("Raya: sandbox step budget", "Most instructions the sandbox may execute (empty: no limit)", limitInputValue("count", start.maxStepBudget), (t) => parseCountLimit(t, "The step budget"));
  if (steps.cancelled) return undefined;
  const limits: SandboxLimits = {};
  if (heap.value !== undefined) limits.maxHeapBytes = heap.value;
  if (tasks.value !== undefined) limits.maxTasks = tasks.value;
  if (steps.value !== undefined) limits.maxStepBudget = steps.value;
  return limits;
}

async function pickCapabilities(): Promise<string[] | undefined> {
  const picked = await vscode.window.showQuickPick(
    KNOWN_CAPABILITIES.map((c) => ({ label: c.name, description: c.description })),
    {
      title: "Raya: Launch Sandbox (3/3) — host capabilities",
      placeHolder: "Capabilities granted to the sandbox (none selected: none granted); Enter to launch",
      canPickMany: true,
    },
  );
  return picked?.map((item) => item.label);
}

async function openSnapshot(given: vscode.Uri | undefined): Promise<void> {
  const file =
    given ??
    (await vscode.window.showOpenDialog({ canSelectMany: false, filters: SNAPSHOT_FILTERS, openLabel: "Open Snapshot" }))?.[0];
  if (file === undefined) return;
  const folder = vscode.workspace.getWorkspaceFolder(file);
  const started = await vscode.debug.startDebugging(folder, snapshotConfiguration(file.fsPath));
  if (!started) void vscode.window.showErrorMessage(`Raya: the snapshot ${path.basename(file.fsPath)} could not be opened.`);
}

// ---------------------------------------------------------------------------------------
// Commands on one context

class ContextCommands {
  constructor(
    private readonly tracker: SessionTracker,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  async pause(arg: unknown): Promise<void> {
    const target = await this.resolve(arg, ["running"], "pause");
    if (target !== undefined) await this.request(target, Requests.pauseContext);
  }

  async resume(arg: unknown): Promise<void> {
    const target = await this.resolve(arg, ["paused"], "resume");
    if (target !== undefined) await this.request(target, Requests.continueContext);
  }

  async terminate(arg: unknown): Promise<void> {
    const target = await this.resolve(arg, ["running", "paused"], "terminate");
    if (target === undefined) return;
    await this.request(target, Requests.terminateContext);
    this.log.info(`terminated context ${target.name} #${target.contextId}`);
  }

  async snapshot(arg: unknown): Promise<void> {
    const target = await this.resolve(arg, ["running", "paused"], "snapshot");
    if (target === undefined) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? process.cwd();
    const file = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(defaultSnapshotPath(folder, target.name, target.contextId)),
      filters: SNAPSHOT_FILTERS,
      saveLabel: "Save Snapshot",
      title: `Snapshot of ${target.name} #${target.contextId}`,
    });
    if (file === undefined) return;
    const body = await this.request(target, Requests.snapshotContext, { path: file.fsPath });
    const written = readSnapshotResponse(body);
    if (written === undefined) throw new Error(`the adapter's answer to ${Requests.snapshotContext} has no path and size`);
    this.log.info(`snapshot of ${target.name} #${target.contextId} written to ${written.path} (${written.bytes} bytes)`);
    const open = "Open Snapshot";
    const choice = await vscode.window.showInformationMessage(
      `Raya: snapshot of ${target.name} #${target.contextId} saved to ${path.basename(written.path)} (${formatBytes(written.bytes)}).`,
      open,
    );
    if (choice === open) await openSnapshot(vscode.Uri.file(written.path));
  }

  private async request(target: ContextTarget, command: string, extra: Record<string, unknown> = {}): Promise<unknown> {
    const run = this.tracker.run(target.sessionId);
    if (run === undefined) throw new Error(`the debug session of ${target.name} #${target.contextId} has ended`);
    const body: unknown = await run.session.customRequest(command, { contextId: target.contextId, ...extra });
    // Show the new state now rather than at the next stats event.
    this.tracker.refresh(target.sessionId).catch((error: unknown) => this.log.warn(`rayaContexts failed: ${errorText(error)}`));
    return body;
  }

  /** The context an invocation is about: its argument, or one the person picks. */
  private async resolve(arg: unknown, states: RayaContextInfo["state"][], verb: string): Promise<ContextTarget | undefined> {
    if (isContextsViewNode(arg)) {
      const target = targetOf(arg);
      if (target !== undefined) return target;
    }
    if (isContextTarget(arg)) return arg;
    const candidates = this.tracker.sessions().flatMap((run) =>
      run.contexts
        .all()
        .filter((info) => states.includes(info.state))
        .map((info) => ({ run, info })),
    );
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(`Raya: there is no ${states.join(" or ")} context to ${verb}.`);
      return undefined;
    }
    // The context of the focused child session (if any) comes first.
    const focused = vscode.debug.activeDebugSession;
    const focusedId = focused === undefined ? undefined : SessionTracker.contextIdOf(focused);
    candidates.sort((a, b) => Number(b.info.id === focusedId) - Number(a.info.id === focusedId));
    const several = this.tracker.sessions().length > 1;
    const picked = await vscode.window.showQuickPick(
      candidates.map(({ run, info }) => ({
        label: `${info.name} #${info.id}`,
        description: several ? `${info.state} · ${run.session.name}` : info.state,
        target: { sessionId: run.session.id, contextId: info.id, name: info.name, state: info.state },
      })),
      { title: `Raya: ${verb} a context`, placeHolder: `The context to ${verb}` },
    );
    return picked?.target;
  }
}

function isContextTarget(value: unknown): value is ContextTarget {
  const v = value as Partial<ContextTarget> | undefined;
  return typeof v === "object" && v !== null && typeof v.sessionId === "string" && Number.isInteger(v.contextId);
}
