// The "Raya VM Contexts" view in Run and Debug: every context of the running Raya sessions,
// nested by parent, each row with its state and a short summary, and under it one row per
// gauge (heap, tasks, steps) with a bar against its limit, coloured as the limit nears.
import * as vscode from "vscode";
import { buildContextTree, type ContextNode } from "./contextModel";
import {
  contextGauges,
  contextLevel,
  contextSummary,
  contextTooltipLines,
  gaugeRowText,
  type Gauge,
  type GaugeLevel,
} from "./gauges";
import { contextItemValue } from "./ids";
import type { RayaContextInfo } from "./protocol";
import type { SessionTracker } from "./sessionTracker";

/** A row: a debug session (shown only when several run), one of its contexts, or a context's gauge. */
export type ContextsViewNode =
  | { kind: "session"; sessionId: string; name: string; roots: ContextNode[] }
  | { kind: "context"; sessionId: string; node: ContextNode }
  | { kind: "gauge"; sessionId: string; contextId: number; gauge: Gauge; exact: string };

/** What the context menu commands receive: enough to address the context in its session. */
export interface ContextTarget {
  sessionId: string;
  contextId: number;
  name: string;
  state: RayaContextInfo["state"];
}

export function targetOf(node: ContextsViewNode): ContextTarget | undefined {
  if (node.kind !== "context") return undefined;
  const { info } = node.node;
  return { sessionId: node.sessionId, contextId: info.id, name: info.name, state: info.state };
}

export function isContextsViewNode(value: unknown): value is ContextsViewNode {
  const kind = (value as { kind?: unknown } | undefined)?.kind;
  return typeof value === "object" && value !== null && (kind === "session" || kind === "context" || kind === "gauge");
}

const LEVEL_COLOURS: Record<GaugeLevel, string | undefined> = {
  normal: undefined,
  warning: "charts.yellow",
  critical: "charts.red",
};

/** The row id VS Code keeps a row's state (expansion, selection) under. */
function rowId(node: ContextsViewNode): string {
  switch (node.kind) {
    case "session":
      return `session:${node.sessionId}`;
    case "context":
      return `context:${node.sessionId}:${node.node.info.id}`;
    case "gauge":
      return `gauge:${node.sessionId}:${node.contextId}:${node.gauge.kind}`;
  }
}

/** Everything a row's TreeItem shows, as one string to compare. */
function rowContent(node: ContextsViewNode): string {
  switch (node.kind) {
    case "session":
      return node.name;
    case "context": {
      const { info } = node.node;
      return [info.name, contextSummary(info), contextLevel(info)].join("\u0000");
    }
    case "gauge":
      return [node.gauge.text, node.gauge.level, node.exact].join("\u0000");
  }
}

export class ContextsTreeProvider implements vscode.TreeDataProvider<ContextsViewNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ContextsViewNode | ContextsViewNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;
  /**
   * One node object per row id, updated in place. Figures change every stats event; when
   * the rows stay the same, only those nodes are refreshed, so VS Code updates the rows
   * without dropping them and an inline action clicked during an update still gets its row.
   */
  private readonly nodes = new Map<string, ContextsViewNode>();
  /** The rows (ids with their parents) as last shown: a change means a full refresh. */
  private shape = "";
  /** What each row showed last (see rowContent). */
  private readonly shown = new Map<string, string>();

  constructor(private readonly tracker: SessionTracker) {
    this.subscription = tracker.onDidChange(() => this.refresh());
  }

  private refresh(): void {
    const rows: ContextsViewNode[] = [];
    const edges: string[] = [];
    const walk = (parent: ContextsViewNode | undefined): void => {
      for (const child of this.getChildren(parent)) {
        rows.push(child);
        edges.push(`${parent === undefined ? "" : rowId(parent)}>${rowId(child)}`);
        walk(child);
      }
    };
    walk(undefined);
    const shape = edges.join("|");
    const live = new Set(rows.map(rowId));
    for (const id of [...this.nodes.keys()]) if (!live.has(id)) this.nodes.delete(id);
    // Refresh only the rows whose text changed: VS Code forgets a refreshed row's children
    // until it asks for them again, and an inline action clicked on one of them meanwhile
    // would arrive without its row. Gauge rows (leaves) change often, context rows rarely.
    const changedRows = rows.filter((row) => this.shown.get(rowId(row)) !== rowContent(row));
    this.shown.clear();
    for (const row of rows) this.shown.set(rowId(row), rowContent(row));
    if (shape !== this.shape) {
      this.shape = shape;
      this.changed.fire(undefined);
    } else if (changedRows.length > 0) {
      this.changed.fire(changedRows);
    }
  }

  /** The node kept for this row, updated to `fresh`'s content. */
  private intern(fresh: ContextsViewNode): ContextsViewNode {
    const id = rowId(fresh);
    const kept = this.nodes.get(id);
    if (kept === undefined) {
      this.nodes.set(id, fresh);
      return fresh;
    }
    Object.assign(kept, fresh);
    return kept;
  }

  getChildren(parent?: ContextsViewNode): ContextsViewNode[] {
    if (parent !== undefined) return this.childrenOf(parent).map((node) => this.intern(node));
    const runs = this.tracker.sessions();
    const sessions = runs.map((run) => ({
      kind: "session" as const,
      sessionId: run.session.id,
      name: run.session.name,
      roots: buildContextTree(run.contexts.all()),
    }));
    // One session: its contexts are the top level. Several: a row per session.
    if (sessions.length === 1) return this.getChildren(sessions[0]);
    return sessions.map((node) => this.intern(node));
  }

  private childrenOf(parent: ContextsViewNode): ContextsViewNode[] {
    const { sessionId } = parent;
    if (parent.kind === "gauge") return [];
    if (parent.kind === "session") return parent.roots.map((node) => ({ kind: "context", sessionId, node }));
    const { info, children } = parent.node;
    // An exited context's heap and Tasks are gone: its row and tooltip say how it ended.
    const gauges: ContextsViewNode[] =
      info.state === "exited"
        ? []
        : contextGauges(info).map((gauge) => ({ kind: "gauge", sessionId, contextId: info.id, gauge, exact: gauge.exact }));
    return [...gauges, ...children.map((node): ContextsViewNode => ({ kind: "context", sessionId, node }))];
  }

  getTreeItem(node: ContextsViewNode): vscode.TreeItem {
    if (node.kind === "session") {
      const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Expanded);
      item.id = rowId(node);
      item.iconPath = new vscode.ThemeIcon("debug-alt");
      item.contextValue = "rayaSession";
      return item;
    }
    if (node.kind === "gauge") return gaugeItem(node);
    const { info, children } = node.node;
    const hasRows = children.length > 0 || info.state !== "exited";
    const collapsible = hasRows ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None;
    const item = new vscode.TreeItem(`${info.name} #${info.id}`, collapsible);
    item.id = rowId(node);
    item.description = contextSummary(info);
    item.iconPath = iconOf(info);
    // Menus in package.json match on this: rayaContext.running / .paused / .exited.
    item.contextValue = contextItemValue(info.state);
    item.accessibilityInformation = { label: `Context ${info.name} #${info.id}, ${contextSummary(info)}` };
    return item;
  }

  /** Tooltips are made on hover, from the figures of that moment (rows are redrawn rarely). */
  resolveTreeItem(item: vscode.TreeItem, node: ContextsViewNode): vscode.TreeItem {
    if (node.kind === "context") {
      const tooltip = new vscode.MarkdownString();
      for (const line of contextTooltipLines(node.node.info)) tooltip.appendText(line).appendMarkdown("  \n");
      item.tooltip = tooltip;
    } else if (node.kind === "gauge") {
      item.tooltip = `${node.gauge.kind}: ${node.exact}`;
    }
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}

function gaugeItem(node: Extract<ContextsViewNode, { kind: "gauge" }>): vscode.TreeItem {
  const { gauge } = node;
  const item = new vscode.TreeItem(gauge.kind, vscode.TreeItemCollapsibleState.None);
  item.id = rowId(node);
  item.description = gaugeRowText(gauge);
  const colour = LEVEL_COLOURS[gauge.level];
  const icon = { heap: "database", tasks: "list-tree", steps: "dashboard" }[gauge.kind];
  item.iconPath = new vscode.ThemeIcon(icon, colour === undefined ? undefined : new vscode.ThemeColor(colour));
  item.contextValue = "rayaGauge";
  item.accessibilityInformation = { label: `${gauge.text}` };
  return item;
}

function iconOf(info: RayaContextInfo): vscode.ThemeIcon {
  if (info.state === "exited") return new vscode.ThemeIcon("circle-slash", new vscode.ThemeColor("disabledForeground"));
  const colour = LEVEL_COLOURS[contextLevel(info)];
  const themeColour = colour === undefined ? undefined : new vscode.ThemeColor(colour);
  return new vscode.ThemeIcon(info.state === "paused" ? "debug-pause" : "vm-running", themeColour);
}
