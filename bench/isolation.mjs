// --isolation process|context side by side (issue 21): --modes process,context
// (default both) are the modes P3 and P5 measure in one run;
// isolation_args(mode) are camoufleet's flags for one
// (--accounts-per-browser N, default 8, for context).
import { arg, browser_kinds, kind_args } from './lib.mjs';

export function isolation_modes(def = ['process', 'context']) {
  return String(arg('modes', def.join(','))).split(',').filter(Boolean);
}

export function isolation_args(mode) {
  return mode === 'context' ? ['--isolation', 'context', '--accounts-per-browser', String(arg('accounts-per-browser', 8))] : [];
}

// The sides a run measures: a mode on each --browsers kind ("process",
// "context" on Chromium; "firefox/process", "firefox/context", ...).
export function sides(def_modes) {
  return browser_kinds().flatMap((k) => isolation_modes(def_modes).map((m) => (k === 'chromium' ? m : `${k}/${m}`)));
}
// A side's browser kind and isolation mode.
export const side_parts = (side) => (side.includes('/') ? side.split('/') : ['chromium', side]);
// camoufleet's flags for a side.
export function side_args(side) {
  const [kind, mode] = side_parts(side);
  return [...isolation_args(mode), ...kind_args(kind)];
}
