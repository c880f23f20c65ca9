// Per-process figures from /proc (Linux): CPU time used so far and resident memory.
import { readFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const HZ = (() => {
  try { return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { return 100; }
})();

/** CPU seconds (user + system) the process has used so far, like run.sh's `cpu()`. */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / HZ;
}

function statusKb(pid, field) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'));
  return m ? Number(m[1]) : NaN;
}

/** Peak resident set size so far (VmHWM), KiB. */
export const peakRssKb = (pid) => statusKb(pid, 'VmHWM');
/** Current resident set size (VmRSS), KiB. */
export const rssKb = (pid) => statusKb(pid, 'VmRSS');
