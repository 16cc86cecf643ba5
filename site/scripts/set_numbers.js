// Sets number inputs and reads them back (setNumbers in prelude.js).
// args: {fields: [[name, selector, value]]} -> {missing: [name], shown: {name: value}}
(args) => setNumbers(args.fields)
