// One step of setting a switch (aria-checked) or toggle button
// (aria-pressed): click at most once, then only report, so that a switch
// still re-rendering is not flipped back.
// args: {selector: [selector], want, may_click} -> 'absent' | 'set' | 'clicked' | 'pending'
(args) => {
  const b = q(args.selector);
  if (!b) return 'absent';
  if (isOn(b) === args.want) return 'set';
  if (!args.may_click) return 'pending';
  b.click();
  return 'clicked';
}
