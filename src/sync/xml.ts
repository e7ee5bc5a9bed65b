/**
 * Just enough XML for Jenkins' config.xml: elements, attributes, text, CDATA, comments and the
 * prolog, with each element's source offsets so that one element can be replaced while every
 * other byte of the document stays as Jenkins wrote it. No DTDs, no namespaces.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (CDATA included), entities decoded, children's text excluded. */
  text: string;
  /** Offsets of the element in the source: `source.slice(start, end)` is the whole element. */
  start: number;
  end: number;
}

export class XmlError extends Error {
  constructor(message: string, offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'XmlError';
  }
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string, offset: number): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, name: string) => {
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    const value = ENTITIES[name];
    if (value === undefined) throw new XmlError(`unknown entity ${whole}`, offset);
    return value;
  });
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function parseXml(source: string): XmlElement {
  let at = 0;
  const fail = (message: string): never => {
    throw new XmlError(message, at);
  };
  const skipPast = (marker: string) => {
    const end = source.indexOf(marker, at);
    if (end < 0) fail(`missing ${marker}`);
    at = end + marker.length;
  };
  const skipMisc = () => {
    for (;;) {
      while (at < source.length && /\s/.test(source[at]!)) at++;
      if (source.startsWith('<?', at)) skipPast('?>');
      else if (source.startsWith('<!--', at)) skipPast('-->');
      else if (source.startsWith('<!DOCTYPE', at)) skipPast('>');
      else return;
    }
  };
  const readName = (): string => {
    const match = /^[^\s/>=]+/.exec(source.slice(at, at + 256));
    if (!match) return fail('expected a name');
    at += match[0].length;
    return match[0];
  };
  const element = (): XmlElement => {
    const start = at;
    if (source[at] !== '<') fail('expected <');
    at++;
    const node: XmlElement = { name: readName(), attributes: {}, children: [], text: '', start, end: start };
    for (;;) {
      while (/\s/.test(source[at] ?? '')) at++;
      if (source.startsWith('/>', at)) {
        at += 2;
        node.end = at;
        return node;
      }
      if (source[at] === '>') {
        at++;
        break;
      }
      if (at >= source.length) fail(`unclosed <${node.name}>`);
      const name = readName();
      while (/\s/.test(source[at] ?? '')) at++;
      if (source[at] !== '=') fail(`expected = after attribute ${name}`);
      at++;
      while (/\s/.test(source[at] ?? '')) at++;
      const quote = source[at];
      if (quote !== '"' && quote !== "'") return fail(`expected a quoted value for attribute ${name}`);
      const close = source.indexOf(quote, at + 1);
      if (close < 0) fail(`unclosed value of attribute ${name}`);
      node.attributes[name] = decode(source.slice(at + 1, close), at);
      at = close + 1;
    }
    for (;;) {
      if (at >= source.length) fail(`unclosed <${node.name}>`);
      if (source.startsWith('</', at)) {
        at += 2;
        const name = readName();
        if (name !== node.name) fail(`</${name}> closes <${node.name}>`);
        while (/\s/.test(source[at] ?? '')) at++;
        if (source[at] !== '>') fail('expected >');
        at++;
        node.end = at;
        return node;
      }
      if (source.startsWith('<!--', at)) skipPast('-->');
      else if (source.startsWith('<![CDATA[', at)) {
        const end = source.indexOf(']]>', at);
        if (end < 0) fail('unclosed CDATA');
        node.text += source.slice(at + 9, end);
        at = end + 3;
      } else if (source.startsWith('<?', at)) skipPast('?>');
      else if (source[at] === '<') node.children.push(element());
      else {
        const next = source.indexOf('<', at);
        const end = next < 0 ? source.length : next;
        node.text += decode(source.slice(at, end), at);
        at = end;
      }
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (at < source.length) fail('content after the root element');
  return root;
}

/** The first element named `name` below `root` (depth first), or undefined. */
export function findElement(root: XmlElement, name: string): XmlElement | undefined {
  for (const child of root.children) {
    if (child.name === name) return child;
    const found = findElement(child, name);
    if (found) return found;
  }
  return undefined;
}

export function findElements(root: XmlElement, name: string): XmlElement[] {
  return root.children.flatMap((child) => [...(child.name === name ? [child] : []), ...findElements(child, name)]);
}
