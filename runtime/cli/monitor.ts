// `raya run --monitor`: the --stats table of every context, redrawn while the program runs.
// On a terminal the table stays below the program's output (each output line is printed above
// it and the table redrawn); elsewhere (a pipe, a CI log) each refresh is appended as a frame.
import type { ContextRunStats, RunView } from "../index";

/** How often the table is redrawn. */
const REFRESH_MS = 250;

export class LiveMonitor {
  private view: RunView | null = null;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Lines of the table now on screen (terminal mode). */
  private drawnLines = 0;

  constructor(
    private readonly table: (rows: ContextRunStats[]) => string,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly programOut: NodeJS.WriteStream = process.stdout,
  ) {}

  private get live(): boolean {
    return this.out.isTTY === true && this.programOut.isTTY === true;
  }

  start(view: RunView): void {
    this.view = view;
    this.draw();
    this.timer = setInterval(() => this.draw(), REFRESH_MS);
    this.timer.unref(); // the monitor never keeps a finished program's process alive
  }

  /** A line of program output, printed above the table. */
  print(line: string): void {
    this.erase();
    this.programOut.write(line + "\n");
    if (this.live && this.view !== null) this.draw();
  }

  /** The run ended: the final table replaces the live one. */
  finish(rows: ContextRunStats[]): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    this.erase();
    this.out.write(this.table(rows));
  }

  private draw(): void {
    if (this.view === null) return;
    const text = this.table(this.view.stats());
    if (this.live) {
      this.erase();
      this.out.write(text);
      this.drawnLines = text.split("\n").length - 1;
    } else {
      this.out.write(`-- contexts at ${new Date().toISOString()}\n${text}`);
    }
  }

  /** Removes the table from a terminal (cursor up over it, clear to the end of the screen). */
  private erase(): void {
    if (!this.live || this.drawnLines === 0) return;
    this.out.write(`\x1b[${this.drawnLines}F\x1b[J`);
    this.drawnLines = 0;
  }
}
