// One attempt at submitting the prompt (submitOnce in prelude.js).
// args: {prompt, s: selectors} -> what submitOnce answers ('clicked', ...)
(args) => submitOnce(args.s, args.prompt)
