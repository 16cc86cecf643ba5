// One step of setting a switch (aria-checked) or toggle button
// (aria-pressed): click at most once, then only report, so that a switch
// still re-rendering is not flipped back. With wait_ms, a click is followed
// in the page (DOM changes) and answers 'set' the moment the switch shows
// the wanted state, or 'clicked' after wait_ms: no round trip to look again.
// args: {selector: [selector], want, may_click, wait_ms?} -> 'absent' | 'set' | 'clicked' | 'pending'
(args) => {
  const now = () => {
    const b = q(args.selector);
    return !b ? 'absent' : isOn(b) === args.want ? 'set' : 'pending';
  };
  const b = q(args.selector);
  if (!b) return 'absent';
  if (isOn(b) === args.want) return 'set';
  if (!args.may_click) return 'pending';
  b.click();
  if (now() === 'set' || !(args.wait_ms > 0)) return now() === 'set' ? 'set' : 'clicked';
  return new Promise((resolve) => {
    const finish = (r) => {
      watcher.disconnect();
      clearTimeout(timer);
      resolve(r);
    };
    const watcher = new MutationObserver(() => { if (now() === 'set') finish('set'); });
    watcher.observe(document, {childList: true, subtree: true, attributes: true});
    const timer = setTimeout(() => finish(now() === 'set' ? 'set' : 'clicked'), args.wait_ms);
  });
}
