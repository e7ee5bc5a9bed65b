/** A file mlgen generates, before it meets the disk. Paths are relative, with "/". */
export interface GeneratedFile {
  path: string;
  content: string;
}

/** What a target renders: the body of a file and how comments start in its language. */
export interface RenderedFile {
  path: string;
  body: string;
  /** `#` for YAML and Python, `//` for Groovy. */
  comment: '#' | '//';
}
