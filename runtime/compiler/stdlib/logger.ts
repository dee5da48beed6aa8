// `std:logger`: named loggers that print "[level] name: message" through console.log, with a
// level threshold below which messages are dropped. Compiled like a user module "std:logger".
export const LOGGER_MODULE_SOURCE = `
export type LogLevel = "debug" | "info" | "warn" | "error";

function rank(level: LogLevel): int {
  switch (level) {
    case "debug":
      return 0;
    case "info":
      return 1;
    case "warn":
      return 2;
    case "error":
      return 3;
  }
}

export class Logger {
  /** Messages below this level are not printed. */
  level: LogLevel;

  constructor(readonly name: string, level: LogLevel = "debug") {
    this.level = level;
  }

  debug(message: string): void {
    this.write("debug", message);
  }

  info(message: string): void {
    this.write("info", message);
  }

  warn(message: string): void {
    this.write("warn", message);
  }

  error(message: string): void {
    this.write("error", message);
  }

  private write(level: LogLevel, message: string): void {
    if (rank(level) < rank(this.level)) return;
    console.log(\`[\${level}] \${this.name}: \${message}\`);
  }
}

export function createLogger(name: string, level: LogLevel = "debug"): Logger {
  return new Logger(name, level);
}
`;
