import { readFileSync } from 'node:fs';

/**
 * This process's peak resident memory, in MB. On Linux `getrusage`'s maxRSS
 * also counts the parent's memory at the fork that started this process (a
 * child of a 300 MB bench reports at least 300 MB), so where /proc has it
 * the peak is `VmHWM`, the high-water mark of this process's own address
 * space since exec.
 */
export function peakRssMb(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) / 1024;
  } catch {
    // No /proc (macOS, Windows): getrusage is the best there is.
  }
  return process.resourceUsage().maxRSS / 1024;
}
