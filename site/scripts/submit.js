// One attempt at submitting the prompt (submitOnce in prelude.js).
// args: {prompt, s: selectors} ->
//   'missing' | 'busy' | 'no run button' | 'disabled' | 'clicked'
(args) => submitOnce(args.s, args.prompt)
