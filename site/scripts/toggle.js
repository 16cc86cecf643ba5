// One step of setting a switch (aria-checked) or toggle button
// (aria-pressed): click at most once, then only report, so that a switch
// still re-rendering is not flipped back. With wait_ms, a click is followed
// in the page (DOM changes) and answers 'set' the moment the switch shows
// the wanted state, or 'clicked' after wait_ms: no round trip to look again.
// args: {selector: [selector], want, may_click, wait_ms?} -> 'absent' | 'set' | 'clicked' | 'pending'
(args) => {
  const b = q(args.selector);
  if (!b) return 'absent';
  if (isOn(b) === args.want) return 'set';
  if (!args.may_click) return 'pending';
  b.click();
  const set = () => {
    const now = q(args.selector);
    return !!now && isOn(now) === args.want;
  };
  if (set()) return 'set';
  if (!(args.wait_ms > 0)) return 'clicked';
  return whenTrue(set, args.wait_ms).then((ok) => (ok ? 'set' : 'clicked'));
}
