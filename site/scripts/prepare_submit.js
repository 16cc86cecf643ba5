// Everything from "request accepted" to "Run clicked" in one round trip,
// when nothing needs a wait in between (no stop tokens to type, no thinking
// switch to flip, no collapsed section to open, no preference vote to
// skip): the checks that the page is on the requested model and still has
// the function declarations set, the number settings, the page as it was,
// the prompt and the Run click. A page on another model, or with its
// declarations switched off, answers 'page' before touching anything (the
// driver switches the model / sets the declarations, then asks again); any
// other case answers 'slow' and the driver takes the step-by-step path.
// args: {model: null | {model_name: [selector], pref_key, pref_field, accept: [text]},
//        tools_on: null | [selector],
//        fields: [[name, [selector], value]], prompt, chip: [selector], s: selectors} ->
//   {state: 'page'} | {state: 'slow'} |
//   {state: 'numbers', numbers} |
//   {state: <submitOnce result>, numbers, before: <snapshotOf result>,
//    ms: {checks, numbers, snapshot, submit}} (time spent in the page, for the log)
(args) => {
  const t0 = performance.now();
  if (args.model) {
    // What current_model() maps to the requested id (the driver lists the texts).
    const m = modelOf(args.model);
    const id = m.shown.trim() || m.pref.trim();
    if (!args.model.accept.includes(id)) return {state: 'page'};
  }
  if (args.tools_on) {
    const b = q(args.tools_on);
    if (!b || !isOn(b)) return {state: 'page'};
  }
  if (qa(args.chip).length > 0 || q(args.s.preference_vote_skip)) return {state: 'slow'};
  if (args.fields.some(([, sels]) => !q(sels))) return {state: 'slow'};
  const t1 = performance.now();
  const numbers = setNumbers(args.fields);
  const t2 = performance.now();
  // A control that clamps or ignores a value stops here, before Run.
  for (const [name, , v] of args.fields)
    if (!(Math.abs(parseFloat(numbers.shown[name]) - v) <= 1e-6)) return {state: 'numbers', numbers};
  const before = snapshotOf(args.s, 0);
  const t3 = performance.now();
  const state = submitOnce(args.s, args.prompt);
  const t4 = performance.now();
  return {state, numbers, before, ms: {checks: t1 - t0, numbers: t2 - t1, snapshot: t3 - t2, submit: t4 - t3}};
}
