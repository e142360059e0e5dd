import readline from 'node:readline/promises';
import { CliIO } from './output';

/** Asks on the terminal, only when there is one and CI is not set; undefined otherwise. */
export function terminalConfirm(io: CliIO): ((question: string) => Promise<string>) | undefined {
  if (!process.stdin.isTTY || process.env.CI) return undefined;
  return async (question) => {
    const rl = readline.createInterface({ input: process.stdin, output: io.stderr });
    try {
      return await rl.question(question);
    } finally {
      rl.close();
    }
  };
}
