// The end-to-end harness: packages the extension, installs the tools (scripts/e2e-setup.sh),
// runs a real VS Code (code-server) on loopback with a throw-away profile, and drives it
// from headless Chromium through playwright-core. See docs/extension.md.
//
// Every step has a name and a time bound. A failing step throws an error that names the
// step and says what the page showed, and leaves a screenshot in test-results/e2e/.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";

export const repoRoot = path.resolve(__dirname, "..", "..");
export const resultsDir = path.join(repoRoot, "test-results", "e2e");

const chromiumFlags = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** User settings for the throw-away profile: nothing opens by itself, nothing asks. */
const userSettings = {
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "workbench.colorTheme": "Default Dark Modern",
  "workbench.tips.enabled": false,
  "workbench.welcomePage.walkthroughs.openOnInstall": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "git.enabled": false,
  "chat.disableAIFeatures": true,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
};

export interface Tools {
  node24Bin: string;
  codeServerEntry: string;
  chromium: string;
}

// ---------------------------------------------------------------------------------------
// Child processes

/** Child processes (each the leader of its own process group) still to be ended. */
const liveGroups = new Set<number>();

// If the test runner itself is stopped, still end what we started.
process.on("exit", () => {
  for (const pid of liveGroups) killGroup(pid, "SIGKILL");
});

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

interface CommandResult {
  stdout: string;
  stderr: string;
}

/**
 * Runs a command in its own process group, collecting its output; fails (and ends the
 * whole group) when it exits non-zero or outlives timeoutMs.
 */
export function runCommand(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number; logFile?: string },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const pid = child.pid;
    if (pid !== undefined) liveGroups.add(pid);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid, "SIGKILL");
    }, options.timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`could not start ${command}: ${error.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) liveGroups.delete(pid);
      if (options.logFile) fs.writeFileSync(options.logFile, `$ ${command} ${args.join(" ")}\n${stdout}\n${stderr}`);
      if (code === 0) return resolve({ stdout, stderr });
      const why = timedOut ? `timed out after ${options.timeoutMs} ms` : `exited with ${code ?? signal}`;
      reject(new Error(`${command} ${args.join(" ")} ${why}\n${tail(stderr || stdout, 2000)}`));
    });
  });
}

function tail(text: string, chars: number): string {
  return text.length <= chars ? text : "..." + text.slice(text.length - chars);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------
// Building and installing

/** Runs `npm run package` and returns the path of the .vsix it made. */
export async function packageExtension(timeoutMs: number): Promise<string> {
  const manifest = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
    name: string;
    version: string;
  };
  const vsix = path.join(repoRoot, `${manifest.name}-${manifest.version}.vsix`);
  fs.rmSync(vsix, { force: true });
  await runCommand("npm", ["run", "package"], { timeoutMs, logFile: path.join(resultsDir, "package.log") });
  if (!fs.existsSync(vsix)) throw new Error(`npm run package finished but ${vsix} does not exist`);
  return vsix;
}

/** Runs scripts/e2e-setup.sh (cached installs) and reads the tool paths it prints. */
export async function installTools(timeoutMs: number): Promise<Tools> {
  const { stdout } = await runCommand("bash", [path.join(repoRoot, "scripts", "e2e-setup.sh")], {
    timeoutMs,
    logFile: path.join(resultsDir, "setup.log"),
  });
  const values = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const match = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (match) values.set(match[1], match[2]);
  }
  const read = (key: string): string => {
    const value = values.get(key);
    if (!value) throw new Error(`scripts/e2e-setup.sh did not print ${key}=...; it printed:\n${stdout}`);
    return value;
  };
  return { node24Bin: read("NODE24_BIN"), codeServerEntry: read("CODE_SERVER_ENTRY"), chromium: read("CHROMIUM") };
}

// ---------------------------------------------------------------------------------------
// code-server

/** A running code-server with its own throw-away profile, extensions and workspace copy. */
export class CodeServer {
  private child: ChildProcess | undefined;
  readonly logFile = path.join(resultsDir, "code-server.log");

  private constructor(
    private readonly tools: Tools,
    readonly scratchDir: string,
    readonly workspace: string,
    readonly port: number,
  ) {}

  /** Copies the workspace and makes an empty profile in a new temporary folder. */
  static async prepare(tools: Tools, workspaceSource: string): Promise<CodeServer> {
    const scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), "raya-e2e-"));
    const workspace = path.join(scratchDir, "workspace");
    fs.cpSync(workspaceSource, workspace, { recursive: true });
    const userDir = path.join(scratchDir, "user-data", "User");
    fs.mkdirSync(userDir, { recursive: true });
    fs.writeFileSync(path.join(userDir, "settings.json"), JSON.stringify(userSettings, null, 2));
    fs.mkdirSync(path.join(scratchDir, "extensions"));
    // An explicit config file keeps code-server from writing one (with a password) to ~/.config.
    fs.writeFileSync(path.join(scratchDir, "config.yaml"), "auth: none\n");
    return new CodeServer(tools, scratchDir, workspace, await freePort());
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/?folder=${encodeURIComponent(this.workspace)}`;
  }

  private get commonArgs(): string[] {
    return [
      this.tools.codeServerEntry,
      "--config",
      path.join(this.scratchDir, "config.yaml"),
      "--user-data-dir",
      path.join(this.scratchDir, "user-data"),
      "--extensions-dir",
      path.join(this.scratchDir, "extensions"),
    ];
  }

  private get env(): NodeJS.ProcessEnv {
    return {
      ...process.env,
      PATH: `${this.tools.node24Bin}${path.delimiter}${process.env.PATH ?? ""}`,
      XDG_DATA_HOME: path.join(this.scratchDir, "xdg-data"),
      XDG_CONFIG_HOME: path.join(this.scratchDir, "xdg-config"),
    };
  }

  private get node(): string {
    return path.join(this.tools.node24Bin, "node");
  }

  /** Installs a .vsix into this server's extensions folder and checks that it is listed. */
  async installExtension(vsix: string, extensionId: string, timeoutMs: number): Promise<void> {
    await runCommand(this.node, [...this.commonArgs, "--install-extension", vsix], {
      env: this.env,
      timeoutMs,
      logFile: path.join(resultsDir, "install-extension.log"),
    });
    const { stdout } = await runCommand(this.node, [...this.commonArgs, "--list-extensions"], {
      env: this.env,
      timeoutMs,
    });
    const listed = stdout.split("\n").map((line) => line.trim().toLowerCase());
    if (!listed.includes(extensionId.toLowerCase())) {
      throw new Error(`${extensionId} is not in --list-extensions after installing; listed:\n${stdout}`);
    }
  }

  /** Starts the server in its own process group and waits until it answers /healthz. */
  async start(timeoutMs: number): Promise<void> {
    const log = fs.openSync(this.logFile, "w");
    const args = [
      ...this.commonArgs,
      "--auth",
      "none",
      "--bind-addr",
      `127.0.0.1:${this.port}`,
      "--disable-telemetry",
      "--disable-update-check",
      "--disable-workspace-trust",
      this.workspace,
    ];
    const child = spawn(this.node, args, { env: this.env, detached: true, stdio: ["ignore", log, log] });
    fs.closeSync(log);
    this.child = child;
    if (child.pid !== undefined) liveGroups.add(child.pid);
    let exitedWith: string | undefined;
    child.on("exit", (code, signal) => (exitedWith = String(code ?? signal)));

    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (exitedWith !== undefined) {
        throw new Error(`code-server exited with ${exitedWith} while starting:\n${this.logTail()}`);
      }
      if (await this.isHealthy()) return;
      await sleep(250);
    }
    throw new Error(`code-server did not answer on port ${this.port} within ${timeoutMs} ms:\n${this.logTail()}`);
  }

  private async isHealthy(): Promise<boolean> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.port}/healthz`);
      return response.ok;
    } catch {
      return false;
    }
  }

  logTail(): string {
    try {
      return tail(fs.readFileSync(this.logFile, "utf8"), 2000);
    } catch {
      return "(no code-server log)";
    }
  }

  /** Ends code-server's whole process group (it starts helpers) and deletes the scratch folder. */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (child?.pid !== undefined) {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve();
        else child.once("exit", () => resolve());
      });
      killGroup(child.pid, "SIGTERM");
      const stoppedInTime = await Promise.race([exited.then(() => true), sleep(5000).then(() => false)]);
      // Helpers may outlive the leader; SIGKILL the group either way (harmless if empty).
      killGroup(child.pid, "SIGKILL");
      if (!stoppedInTime) await exited;
      liveGroups.delete(child.pid);
    }
    fs.rmSync(this.scratchDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------
// The browser and the steps

/** Headless Chromium showing one VS Code window; numbered screenshots after each step. */
export class Workbench {
  private stepNumber = 0;
  private readonly consoleLines: string[] = [];

  private constructor(
    private readonly browser: Browser,
    readonly page: Page,
  ) {
    page.on("console", (message) => this.consoleLines.push(`[${message.type()}] ${message.text()}`));
    page.on("pageerror", (error) => this.consoleLines.push(`[pageerror] ${error.message}`));
  }

  static async launch(chromiumPath: string): Promise<Workbench> {
    const browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: chromiumFlags });
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // Steps carry their own bounds; a single action should never wait longer than this.
    page.setDefaultTimeout(20_000);
    return new Workbench(browser, page);
  }

  /**
   * Runs one named step under a time bound. On success saves `NN-name.png`; on failure
   * saves `NN-name-FAILED.png` and throws an error naming the step and what the page showed.
   */
  async step<T>(name: string, timeoutMs: number, action: () => Promise<T>): Promise<T> {
    this.stepNumber += 1;
    const baseName = `${String(this.stepNumber).padStart(2, "0")}-${slug(name)}`;
    try {
      const result = await withTimeout(action(), timeoutMs, `did not finish within ${timeoutMs} ms`);
      await this.screenshot(`${baseName}.png`);
      return result;
    } catch (error) {
      const shot = await this.screenshot(`${baseName}-FAILED.png`);
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(
        `step "${name}" failed: ${message}\n` +
          `screenshot: ${shot ?? "(could not be taken)"}\n` +
          `page showed: ${await this.describePage()}`,
      );
    }
  }

  async screenshot(fileName: string): Promise<string | undefined> {
    const file = path.join(resultsDir, fileName);
    try {
      await this.page.screenshot({ path: file, timeout: 10_000 });
      return file;
    } catch {
      return undefined;
    }
  }

  /** A short account of the page for failure messages: status bar, notifications, body text. */
  async describePage(): Promise<string> {
    try {
      return String(await this.page.evaluate(describePageScript));
    } catch (error) {
      return `(could not read the page: ${error instanceof Error ? error.message : String(error)})`;
    }
  }

  /**
   * The coloured runs of text (Monaco's token spans) of the first editor line that starts
   * with lineStart, or undefined while no such line is rendered.
   */
  async lineTokens(lineStart: string): Promise<TokenSpan[] | undefined> {
    const found = (await this.page.evaluate(`(${lineTokensScript})(${JSON.stringify(lineStart)})`)) as
      | TokenSpan[]
      | null;
    return found ?? undefined;
  }

  /** Writes the browser console to test-results/e2e/browser-console.log. */
  saveConsole(): void {
    fs.writeFileSync(path.join(resultsDir, "browser-console.log"), this.consoleLines.join("\n") + "\n");
  }

  async close(): Promise<void> {
    this.saveConsole();
    await this.browser.close();
  }
}

/** What one coloured run of text in an editor line looks like in the DOM. */
export interface TokenSpan {
  text: string;
  className: string;
  color: string;
}

// Scripts evaluated in the page. They are strings, not functions, because the repository's
// TypeScript setup has no DOM library and because tsx would rewrite functions with helpers
// that do not exist in the browser.
const describePageScript = `(() => {
  const text = (selector) => Array.from(document.querySelectorAll(selector))
    .map((element) => element.innerText.trim())
    .filter((value) => value.length > 0)
    .join(" | ");
  const body = document.body.innerText.replace(/\\s+/g, " ").slice(0, 600);
  return "status bar [" + text(".statusbar-item") + "] notifications [" + text(".notification-toast") +
    "] text [" + body + "]";
})()`;

const lineTokensScript = `((lineStart) => {
  const normalise = (text) => text.replace(/\\u00a0/g, " ");
  const lines = Array.from(document.querySelectorAll(".editor-instance .view-line"));
  const line = lines.find((element) => normalise(element.textContent || "").startsWith(lineStart));
  if (!line) return null;
  return Array.from(line.querySelectorAll("span > span")).map((span) => ({
    text: normalise(span.textContent || ""),
    className: span.className,
    color: getComputedStyle(span).color,
  }));
})`;

function slug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs a step that has no page yet (packaging, setup): time-bounded, named on failure. */
export async function plainStep<T>(name: string, timeoutMs: number, action: () => Promise<T>): Promise<T> {
  try {
    return await withTimeout(action(), timeoutMs, `did not finish within ${timeoutMs} ms`);
  } catch (error) {
    throw new Error(`step "${name}" failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Empties test-results/e2e/ so the screenshots there are all from this run. */
export function resetResultsDir(): void {
  fs.rmSync(resultsDir, { recursive: true, force: true });
  fs.mkdirSync(resultsDir, { recursive: true });
}
