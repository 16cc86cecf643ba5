// Everything from "request accepted" to "Run clicked" in one round trip,
// when nothing needs a wait in between (no stop tokens to type, no thinking
// switch to flip, no collapsed section to open, no preference vote to
// skip): the number settings, the page as it was, the prompt and the Run
// click. Any other case answers 'slow' and the driver takes the
// step-by-step path.
// args: {fields: [[name, [selector], value]], prompt, chip: [selector], s: selectors} ->
//   {state: 'slow'} |
//   {state: 'numbers', numbers} |
//   {state: <submitOnce result>, numbers, before: <snapshotOf result>}
(args) => {
  if (qa(args.chip).length > 0 || q(args.s.preference_vote_skip)) return {state: 'slow'};
  if (args.fields.some(([, sels]) => !q(sels))) return {state: 'slow'};
  const numbers = setNumbers(args.fields);
  // A control that clamps or ignores a value stops here, before Run.
  for (const [name, , v] of args.fields)
    if (!(Math.abs(parseFloat(numbers.shown[name]) - v) <= 1e-6)) return {state: 'numbers', numbers};
  const before = snapshotOf(args.s, 0);
  return {state: submitOnce(args.s, args.prompt), numbers, before};
}
