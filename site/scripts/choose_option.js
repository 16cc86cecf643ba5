// One step of choosing an option of a select whose options show in an
// overlay (Gemini 3's "Thinking Level"): 'set' once the select shows the
// wanted text; else press the matching option when the overlay is open;
// else open it (at most once: may_click).
// args: {select: [selector], option: [selector], text, may_click} ->
//   'absent' | 'set' | 'clicked' | 'pending'
(args) => {
  const sel = q(args.select);
  if (!sel) return 'absent';
  const want = args.text.trim().toLowerCase();
  const words = sel.textContent.toLowerCase().split(/\s+/);
  if (words.includes(want)) return 'set';
  for (const o of qa(args.option)) {
    if (o.textContent.trim().toLowerCase() === want) {
      o.click();
      return 'pending';
    }
  }
  if (!args.may_click) return 'pending';
  sel.click();
  return 'clicked';
}
