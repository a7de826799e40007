/**
 * Text matched literally inside a regular expression built around it: an
 * identifier, a flag, a delimiter. Kept here, the lowest layer the SQL
 * matchers, the tools and (through the public API) the CLI all reach.
 */

/** `text` with every character a regular expression gives a meaning escaped. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
