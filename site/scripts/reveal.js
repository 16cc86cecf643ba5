// One step of showing controls that sit in a collapsed section (absent from
// the page until it is opened): press the section's toggle at most once (a
// second press would close it again), then only report.
// args: {targets: [[selector]], toggle: [selector], may_click} ->
//   'set' (all shown) | 'absent' (no way to show them) | 'clicked' | 'pending'
(args) => {
  if (args.targets.every((t) => q(t))) return 'set';
  const b = q(args.toggle);
  if (!b || b.getAttribute('aria-expanded') === 'true') return 'absent';
  if (!args.may_click) return 'pending';
  b.click();
  return 'clicked';
}
