// Where the tab is and whether the chat page is usable: a ready selector
// matches and the document is parsed (its own scripts ran, so its controls
// answer clicks).
// args: {ready: [selector], fresh_only?: bool, wait_ms?: number} -> {url, ready, old}
// With wait_ms, a page not usable yet is watched (DOM changes, readyState)
// and the answer comes as soon as it is (fresh_only: and is not the
// document a reload left behind), or after wait_ms as it stands: no polling
// delay between the page becoming ready and the driver knowing.
(args) => {
  const state = () => ({
    url: location.href,
    ready: document.readyState !== 'loading' && !!q(args.ready),
    old: !!window.__camoufleet_old_document,
  });
  const usable = (s) => s.ready && !(args.fresh_only && s.old);
  const now = state();
  if (usable(now) || !(args.wait_ms > 0)) return now;
  return whenTrue(() => usable(state()), args.wait_ms).then(state);
}
