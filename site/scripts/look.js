// Where the tab is and whether the chat page is usable: a ready selector
// matches and the document is parsed (its own scripts ran, so its controls
// answer clicks).
// args: {ready: [selector]} -> {url, ready, old}
(args) => ({
  url: location.href,
  ready: document.readyState !== 'loading' && !!q(args.ready),
  old: !!window.__camoufleet_old_document,
})
