/** Small facts about SQL text that need no parser. */

/** Whether an SQL text holds anything but comments, whitespace and semicolons. */
export function hasSql(text: string): boolean {
  return stripSqlComments(text).replace(/;/g, '').trim() !== '';
}

/** One constant: a string, a number, true/false/null, maybe cast and named (`'x'::text AS y`). */
const CONSTANT = String.raw`(?:'(?:[^']|'')*'|-?\d+(?:\.\d+)?|true|false|null)(?:\s*::\s*\w+)?(?:\s+(?:as\s+)?\w+)?`;
const CONSTANT_SELECT = new RegExp(String.raw`^select\s+${CONSTANT}(?:\s*,\s*${CONSTANT})*$`, 'i');

/**
 * Whether an SQL text does nothing: no statement, or only SELECTs of
 * constants (`SELECT 1;`, goose's template `SELECT 'down SQL query';`). A
 * SELECT that reads a table or calls a function may do something, and so
 * does anything this cannot read (a `;` inside a string): false then.
 */
export function doesNothing(text: string): boolean {
  return stripSqlComments(text)
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .every((s) => CONSTANT_SELECT.test(s));
}

function stripSqlComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
}
