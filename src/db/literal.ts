// SQL text literals for statements sent as plain text (the simple query protocol, where parameters cannot be
// bound): dollar quoting with a tag the text does not contain, so the text is carried byte for byte with no
// escaping pass over it (pg's escapeLiteral builds the result one character at a time, which costs milliseconds
// for the hundreds of kilobytes of a batch of node outputs).

/** The text as a dollar-quoted SQL literal whose tag occurs in it nowhere, not even across its end. */
export function sqlLiteral(text: string): string {
  let tag = "$lf$";
  for (let n = 0; (text + tag).indexOf(tag) !== text.length; n++) tag = `$lf${n}$`;
  return tag + text + tag;
}
