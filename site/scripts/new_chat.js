// Presses New chat. Newer pages disable it on the new-chat page itself.
// args: {button: [selector], turn_root: [selector]} ->
//   {state: 'clicked' | 'disabled' | 'absent', turns}
(args) => {
  const turns = qa(args.turn_root).length;
  const b = q(args.button);
  if (!b) return {state: 'absent', turns};
  if (b.disabled || b.getAttribute('aria-disabled') === 'true') return {state: 'disabled', turns};
  b.click();
  return {state: 'clicked', turns};
}
