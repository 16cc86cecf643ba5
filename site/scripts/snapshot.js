// What the page shows of the newest answer and of errors.
// args: {turns_before, s: selectors} ->
//   {url, turns, text, reasoning, finished, generating, quota, toast}
(args) => snapshotOf(args.s, args.turns_before)
