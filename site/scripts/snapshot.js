// What the page shows of the newest answer and of errors.
// args: {turns_before, s: selectors} ->
//   {url, turns, text, reasoning, finished, generating, quota, toast,
//    calls: [[name, arguments as shown]]}
(args) => snapshotOf(args.s, args.turns_before)
