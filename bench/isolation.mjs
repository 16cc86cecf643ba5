// --isolation process|context side by side (issue 21): --modes process,context
// (default both) are the modes P3 and P5 measure in one run;
// isolation_args(mode) are camoufleet's flags for one
// (--accounts-per-browser N, default 8, for context).
import { arg } from './lib.mjs';

export function isolation_modes(def = ['process', 'context']) {
  return String(arg('modes', def.join(','))).split(',').filter(Boolean);
}

export function isolation_args(mode) {
  return mode === 'context' ? ['--isolation', 'context', '--accounts-per-browser', String(arg('accounts-per-browser', 8))] : [];
}
