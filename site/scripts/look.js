// Where the tab is and whether the chat page is usable (a selector the
// browser rejects counts as absent).
// args: {ready: [selector]} -> {url, ready, old}
(args) => ({
  url: location.href,
  ready: args.ready.some((s) => {
    try {
      return !!document.querySelector(s);
    } catch (e) {
      return false;
    }
  }),
  old: !!window.__camoufleet_old_document,
})
