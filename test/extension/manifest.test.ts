// package.json's contributions agree with the names the extension's code uses.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { BUILT_IN_CAPABILITY_NAMES } from "../../debug-adapter/capabilities";
import { CommandIds, CONTEXTS_VIEW_ID, ContextKeys, contextItemValue } from "../../extension/ids";
import { KNOWN_CAPABILITIES } from "../../extension/sandboxOptions";

interface Command {
  command: string;
  title: string;
  category?: string;
  icon?: string;
  enablement?: string;
}
interface MenuItem {
  command: string;
  when?: string;
  group?: string;
}
interface Manifest {
  main: string;
  activationEvents: string[];
  contributes: {
    debuggers: { type: string; configurationAttributes: { launch: { properties: Record<string, { items?: { enum?: string[] } }> } } }[];
    commands: Command[];
    views: Record<string, { id: string; name: string; when?: string }[]>;
    viewsWelcome: { view: string; contents: string }[];
    menus: Record<string, MenuItem[]>;
  };
}

const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "package.json"), "utf8")) as Manifest;
const contributed = manifest.contributes.commands;

describe("extension manifest (package.json contributes)", () => {
  it("contributes exactly the extension's commands, in the Raya category with icons", () => {
    assert.deepEqual(contributed.map((c) => c.command).sort(), Object.values(CommandIds).sort());
    for (const c of contributed) {
      assert.equal(c.category, "Raya", c.command);
      assert.match(c.icon ?? "", /^\$\([a-z-]+\)$/, c.command);
    }
    const titles = Object.fromEntries(contributed.map((c) => [c.command, c.title]));
    assert.deepEqual(titles, {
      "raya.launchSandbox": "Launch Sandbox",
      "raya.snapshotContext": "Snapshot Context",
      "raya.openSnapshot": "Open Snapshot",
      "raya.pauseContext": "Pause Context",
      "raya.resumeContext": "Resume Context",
      "raya.terminateContext": "Terminate Context",
      "raya.showResourceMonitor": "Show Resource Monitor",
    });
  });

  it("enables the context commands only while a Raya session runs", () => {
    const contextCommands = [CommandIds.pauseContext, CommandIds.resumeContext, CommandIds.terminateContext, CommandIds.snapshotContext];
    for (const c of contributed) {
      const expected = (contextCommands as string[]).includes(c.command) ? ContextKeys.debugSessionActive : undefined;
      assert.equal(c.enablement, expected, c.command);
    }
  });

  it("activates on Raya files, the raya debugger and its commands only", () => {
    const events = manifest.activationEvents;
    for (const id of Object.values(CommandIds)) assert.ok(events.includes(`onCommand:${id}`), id);
    for (const event of events) assert.match(event, /^(onLanguage:raya|onDebug\w+:raya|onCommand:raya\.\w+)$/, event);
    assert.equal(manifest.main, "./dist/extension.js");
  });

  it("puts the contexts view in Run and Debug once the extension is active, with welcome text", () => {
    assert.deepEqual(manifest.contributes.views.debug, [
      { id: CONTEXTS_VIEW_ID, name: "Raya VM Contexts", when: ContextKeys.extensionActive, contextualTitle: "Raya" },
    ]);
    const welcome = manifest.contributes.viewsWelcome.find((w) => w.view === CONTEXTS_VIEW_ID);
    assert.ok(welcome?.contents.includes(`(command:${CommandIds.launchSandbox})`));
  });

  it("offers each row action only for the states it applies to", () => {
    const items = manifest.contributes.menus["view/item/context"];
    const commandsFor = (state: "running" | "paused" | "exited", inline: boolean) =>
      items
        .filter((item) => (item.group ?? "").startsWith("inline") === inline && matchesRow(item.when ?? "", contextItemValue(state)))
        .map((item) => item.command)
        .sort();
    for (const inline of [true, false]) {
      assert.deepEqual(commandsFor("running", inline), [CommandIds.pauseContext, CommandIds.snapshotContext, CommandIds.terminateContext].sort());
      assert.deepEqual(commandsFor("paused", inline), [CommandIds.resumeContext, CommandIds.snapshotContext, CommandIds.terminateContext].sort());
      assert.deepEqual(commandsFor("exited", inline), []);
    }
  });

  it("offers the debug adapter's capabilities, in Launch Sandbox and in launch.json's schema", () => {
    const names = KNOWN_CAPABILITIES.map((c) => c.name);
    assert.deepEqual([...names].sort(), [...BUILT_IN_CAPABILITY_NAMES].sort());
    const launch = manifest.contributes.debuggers.find((d) => d.type === "raya")?.configurationAttributes.launch;
    assert.deepEqual(launch?.properties.capabilities.items?.enum, names);
  });

  it("names only contributed commands in menus", () => {
    const known = new Set(contributed.map((c) => c.command));
    for (const [menu, items] of Object.entries(manifest.contributes.menus)) {
      for (const item of items) assert.ok(known.has(item.command), `${menu}: ${item.command}`);
    }
  });
});

/**
 * Evaluates the two forms of `when` clause the view's menus use,
 * `view == rayaContexts && viewItem == X` and `... && viewItem =~ /re/`, for a row of the view.
 */
function matchesRow(when: string, viewItem: string): boolean {
  const clauses = when.split("&&").map((c) => c.trim());
  return clauses.every((clause) => {
    const equal = /^(\w+) == (\S+)$/.exec(clause);
    if (equal) return equal[1] === "view" ? equal[2] === CONTEXTS_VIEW_ID : equal[1] === "viewItem" && equal[2] === viewItem;
    const regex = /^viewItem =~ \/(.+)\/$/.exec(clause);
    if (regex) return new RegExp(regex[1]).test(viewItem);
    throw new Error(`unexpected when clause: ${clause}`);
  });
}
