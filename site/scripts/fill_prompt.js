// Puts the prompt into the prompt box without pressing Run (files are
// attached after the prompt is filled, then submit presses Run).
// args: {s: {prompt: [selector]}, prompt} -> whether the box was there
(args) => {
  const t = q(args.s.prompt);
  if (!t) return false;
  const proto = t instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype
                                                 : HTMLInputElement.prototype;
  Object.getOwnPropertyDescriptor(proto, 'value').set.call(t, args.prompt);
  t.dispatchEvent(new Event('input', {bubbles: true}));
  t.dispatchEvent(new Event('change', {bubbles: true}));
  return true;
}
