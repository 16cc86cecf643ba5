// Focuses an input, for typing with real key events.
// args: {selector: [selector]} -> true when it has the focus
(args) => {
  const e = q(args.selector);
  if (!e) return false;
  e.focus();
  return document.activeElement === e;
}
