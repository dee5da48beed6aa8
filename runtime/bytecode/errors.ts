// The one error type that the decoder, the encoder and the verifier throw. Callers that load
// untrusted bytecode catch exactly this class: anything else escaping from them is a bug.

export class InvalidBytecodeError extends Error {
  /** Where the problem is: "header", "checksum", "constant 5", "function 3 'fib' pc 12", ... */
  readonly where: string;
  /** What is wrong, without the location. */
  readonly problem: string;

  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.name = "InvalidBytecodeError";
    this.where = where;
    this.problem = problem;
  }
}
