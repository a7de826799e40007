/** Small facts about SQL text that need no parser. */

/** Whether an SQL text holds anything but comments, whitespace and semicolons. */
export function hasSql(text: string): boolean {
  return stripSqlComments(text).replace(/;/g, '').trim() !== '';
}

function stripSqlComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/--[^\n]*/g, ' ');
}
