/**
 * A well-formed XML document as a tree of elements, for reading the shape of
 * a Liquibase changelog (which changesets, which change elements, whether a
 * `<rollback>` is there). Not a validating parser: Liquibase validates the
 * changelog against its XSD when it runs it; this only has to see what
 * Liquibase will see. Namespace prefixes are dropped (`<lb:changeSet>` is
 * `changeSet`), entities in text are left as written.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (CDATA included), concatenated. */
  text: string;
}

const TOKEN = /<!--[\s\S]*?-->|<!\[CDATA\[([\s\S]*?)\]\]>|<\?[\s\S]*?\?>|<!DOCTYPE[^>[]*(?:\[[\s\S]*?\])?\s*>|<\/\s*([^\s>]+)\s*>|<([^\s/>!?]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>|([^<]+)/g;
const ATTR = /([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;

export class XmlError extends Error {}

export function parseXml(text: string): XmlElement {
  const root: XmlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlElement[] = [root];
  let consumed = 0;
  for (const m of text.matchAll(TOKEN)) {
    if (m.index !== consumed) throw new XmlError(`unexpected markup at offset ${consumed}`);
    consumed = m.index + m[0].length;
    const top = stack.at(-1)!;
    if (m[1] !== undefined) top.text += m[1];
    else if (m[2] !== undefined) {
      if (local(m[2]) !== top.name || stack.length === 1) throw new XmlError(`</${m[2]}> closes <${top.name}>`);
      stack.pop();
    } else if (m[3] !== undefined) {
      const attrs: Record<string, string> = {};
      for (const a of (m[4] ?? '').matchAll(ATTR)) attrs[local(a[1]!)] = unescape(a[2] ?? a[3] ?? '');
      const element: XmlElement = { name: local(m[3]), attrs, children: [], text: '' };
      top.children.push(element);
      if (m[5] !== '/') stack.push(element);
    } else if (m[6] !== undefined) top.text += unescape(m[6]);
  }
  if (consumed !== text.length) throw new XmlError(`unexpected markup at offset ${consumed}`);
  if (stack.length !== 1) throw new XmlError(`<${stack.at(-1)!.name}> is never closed`);
  const elements = root.children;
  if (elements.length !== 1) throw new XmlError('a document has exactly one root element');
  return elements[0]!;
}

function local(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function unescape(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d+|#x[0-9a-f]+);/gi, (all, e: string) => {
    const named: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
    if (named[e.toLowerCase()] !== undefined) return named[e.toLowerCase()]!;
    const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return Number.isFinite(code) ? String.fromCodePoint(code) : all;
  });
}
