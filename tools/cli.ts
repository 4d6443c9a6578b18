// How the developer commands (npm run admin, chat, package:teams) end: exit 0 when done,
// 2 with the usage text when the command line is wrong, 1 (or the refusal's own code)
// with one clear message when the command refuses, and 1 with the stack for a fault.
export class UsageError extends Error {}

export interface Refusal {
  message: string;
  exitCode?: number;
}

export function runCommand(
  main: Promise<void>,
  usage: string,
  options: {
    /** The message (and code) for an error the user can act on; undefined for a fault. */
    refusal?: (error: unknown) => Refusal | undefined;
    /** Put before a fault's stack, e.g. "failed: ". */
    faultPrefix?: string;
  } = {},
): void {
  main.then(
    // Some libraries leave timers behind (Agenda's liveness checks); everything is stopped.
    () => process.exit(process.exitCode ?? 0),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`${error.message}\n\n${usage}\n`);
        process.exit(2);
      }
      const refused = options.refusal?.(error);
      if (refused) {
        process.stderr.write(`${refused.message}\n`);
        process.exit(refused.exitCode ?? 1);
      }
      process.stderr.write(`${options.faultPrefix ?? 'failed: '}${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
