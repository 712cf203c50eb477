/**
 * @module Output on a full disk (stdout or stderr a file there) loses its
 * lines; it never ends the process.
 */
import { diskFullCode } from '../storage/index.js';

/**
 * Handles full-disk write errors of stdout and stderr: without a handler,
 * Node turns the first failed write into an uncaught exception, and a
 * service whose log shares the full disk would die. A lost stdout is
 * reported once on stderr; a lost stderr has nowhere left to report. Other
 * errors (a closed pipe) end the process as before.
 */
export function guardOutput(): void {
  let told = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    const errno = diskFullCode(error);
    if (errno === undefined) throw error;
    if (told) return;
    told = true;
    process.stderr.write(`warning: cannot write stdout: ${errno}; its lines are lost\n`);
  });
  process.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (diskFullCode(error) === undefined) throw error;
  });
}
