// One step of setting an aria-checked switch: click at most once, then only
// report, so that a switch still re-rendering is not flipped back.
// args: {selector, want, may_click} -> 'absent' | 'set' | 'clicked' | 'pending'
(args) => {
  const b = document.querySelector(args.selector);
  if (!b) return 'absent';
  const on = b.getAttribute('aria-checked') === 'true';
  if (on === args.want) return 'set';
  if (!args.may_click) return 'pending';
  b.click();
  return 'clicked';
}
