// What the benchmarks read from /proc: a process tree, CPU seconds, RSS and
// smaps_rollup (PSS, anonymous memory), the browser behind a DevTools port.
// Re-exported by lib.mjs.
import fs from 'node:fs';
import { browser_pids_under } from './lib.mjs';

export function proc_children_map() {
  const kids = new Map();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let st;
    try { st = fs.readFileSync(`/proc/${e}/stat`, 'utf8'); } catch { continue; }
    // comm may hold spaces and parens: ppid is the 2nd field after the last ')'.
    const rest = st.slice(st.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(rest[1]);
    if (!kids.has(ppid)) kids.set(ppid, []);
    kids.get(ppid).push(Number(e));
  }
  return kids;
}

export function descendants(pid, kids = proc_children_map()) {
  const out = [pid];
  for (let i = 0; i < out.length; ++i) for (const k of kids.get(out[i]) || []) out.push(k);
  return out;
}

// utime + stime, in seconds, of a /proc/PID/stat or /proc/PID/task/TID/stat
// text (comm may hold spaces and parens: fields count from the last ')').
function stat_cpu_seconds(st) {
  const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;  // USER_HZ on Linux
}

// utime + stime of the live processes, in seconds.
export function cpu_seconds(pids) {
  let s = 0;
  for (const pid of pids) {
    try { s += stat_cpu_seconds(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { /* gone */ }
  }
  return s;
}

// A process's kind: 'camoufleet', 'browser' (a browser's main process),
// each Chromium --type (renderer, gpu-process, zygote, utility:<sub-type>)
// or 'firefox-content'; null when it is gone.
export function process_kind(pid, server_pid = -1) {
  let cmd;
  // Chromium's children rewrite their title: one space-joined string.
  try { cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '); } catch { return null; }
  if (pid === server_pid) return 'camoufleet';
  const type = cmd.match(/--type=(\S+)/);
  const sub = cmd.match(/--utility-sub-type=(\S+)/);
  if (type) return type[1] + (sub ? ':' + sub[1].split('.').pop() : '');
  return /-contentproc/.test(cmd) ? 'firefox-content' : 'browser';
}

// CPU seconds per thread name (comm) of one process: where inside a
// browser's main process the time goes (CrBrowserMain is its UI thread).
export function cpu_by_thread(pid) {
  const out = {};
  let tids = [];
  try { tids = fs.readdirSync(`/proc/${pid}/task`); } catch { return out; }
  for (const tid of tids) {
    try {
      const st = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
      out[name] = (out[name] || 0) + stat_cpu_seconds(st);
    } catch { /* gone */ }
  }
  return out;
}

// CPU seconds per kind of process (process_kind).
export function cpu_by_kind(pids, server_pid) {
  const out = {};
  for (const pid of pids) {
    const kind = process_kind(pid, server_pid);
    if (kind) out[kind] = (out[kind] || 0) + cpu_seconds([pid]);
  }
  return out;
}

// camoufleet and every browser process it started (under its temp dir).
export function fleet_pids(fleet) {
  const kids = proc_children_map();
  const set = new Set([fleet.pid]);
  for (const p of browser_pids_under(fleet.dir)) for (const d of descendants(p, kids)) set.add(d);
  for (const d of descendants(fleet.pid, kids)) set.add(d);
  return [...set];
}

// A number field of /proc/PID/status (VmRSS, RssAnon: kB; Threads); null
// when the process is gone.
export function status_field(pid, field) {
  try {
    const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${field}:\\s+(\\d+)`, 'm'));
    return m ? Number(m[1]) : null;
  } catch { return null; }
}

export const rss_kb = (pid) => status_field(pid, 'VmRSS');

// The fields of /proc/PID/smaps_rollup in kB ({} when the process is gone).
export function smaps_rollup_kb(pid) {
  const out = {};
  try {
    const t = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    for (const m of t.matchAll(/^(\w+):\s+(\d+) kB/gm)) out[m[1]] = Number(m[2]);
  } catch { /* gone */ }
  return out;
}

// Anonymous and shared-memory pages (PSS of each): the heap, the
// compositor's buffers, what the process made itself. Unlike the whole PSS
// it does not depend on how many other processes on the machine map the
// same file pages: the Chromium binary's text counts less in every PSS here
// while other Chromiums run elsewhere (tests, other fleets).
export const anon_kb = (rollup) => (rollup.Pss_Anon ?? 0) + (rollup.Pss_Shmem ?? 0);

// The browser's main process: the one whose parent is not a chrome process
// itself, found by its --remote-debugging-port.
export function browser_main_pid(port) {
  const pids = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    let cmd;
    try { cmd = fs.readFileSync(`/proc/${e}/cmdline`, 'utf8'); } catch { continue; }
    if (cmd.includes(`--remote-debugging-port=${port}\0`) || cmd.endsWith(`--remote-debugging-port=${port}`)) {
      if (!cmd.includes('--type=')) pids.push(Number(e));
    }
  }
  // The Debian wrapper execs the real binary, so one pid is left.
  return pids.length ? Math.min(...pids) : null;
}
