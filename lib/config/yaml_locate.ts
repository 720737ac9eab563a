/**
 * Where each key of a YAML document is: a map from key paths (`custom_configs.coord_error.mu`,
 * `defocus_values.1`) to 1-based line numbers, built from js-yaml's event stream.
 *
 * @module
 */
import * as yaml from "js-yaml";

/** Line numbers of the keys (and sequence items) of one YAML document. */
export class YamlLocations {
  readonly #lines: Map<string, number>;

  constructor(lines: Map<string, number>) {
    this.#lines = lines;
  }

  /**
   * The line of `path` (keys and sequence indices). For a path that is not in the file (a missing
   * key), the line of its nearest existing parent, or undefined at the top level.
   * Needs no permissions.
   */
  lineOf(path: readonly PropertyKey[]): number | undefined {
    for (let n = path.length; n > 0; n--) {
      const line = this.#lines.get(pathKey(path.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  }

  /** Whether `path` itself is present in the document. Needs no permissions. */
  has(path: readonly PropertyKey[]): boolean {
    return this.#lines.has(pathKey(path));
  }
}

/** The map key of a path. */
function pathKey(path: readonly PropertyKey[]): string {
  return path.map((part) => String(part)).join("\u0000");
}

/** 1-based line of `offset` in `text`. */
function lineAt(lineStarts: number[], offset: number): number {
  let lo = 0;
  let hi = lineStarts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((lineStarts[mid] ?? 0) <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

interface Frame {
  kind: "mapping" | "sequence";
  path: PropertyKey[];
  /** mapping: true when the next node is a key. */
  expectKey: boolean;
  /** mapping: the current key. */
  key: string;
  /** sequence: the next index. */
  index: number;
}

/**
 * Locates every key of the first document of `text`. Throws js-yaml's `YAMLException` on a
 * syntax error (as `load` would). Needs no permissions.
 */
export function locateYamlKeys(text: string): YamlLocations {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1);
  const lines = new Map<string, number>();
  const stack: Frame[] = [];
  const events = yaml.parseEvents(text, {});
  let documents = 0;

  // Called for every node; returns the path of the node, recording keys on the way.
  const enterNode = (start: number, scalarKey: string | undefined): PropertyKey[] | undefined => {
    const parent = stack[stack.length - 1];
    if (parent === undefined) return [];
    if (parent.kind === "sequence") {
      const path = [...parent.path, parent.index];
      parent.index += 1;
      if (start >= 0) lines.set(pathKey(path), lineAt(lineStarts, start));
      return path;
    }
    if (parent.expectKey) {
      parent.expectKey = false;
      parent.key = scalarKey ?? "";
      if (start >= 0) lines.set(pathKey([...parent.path, parent.key]), lineAt(lineStarts, start));
      return undefined; // a key, not a value
    }
    parent.expectKey = true;
    return [...parent.path, parent.key];
  };

  for (const event of events) {
    switch (event.type) {
      case yaml.EVENT_ID.DOCUMENT:
        documents += 1;
        break;
      case yaml.EVENT_ID.MAPPING:
      case yaml.EVENT_ID.SEQUENCE: {
        if (documents > 1) break;
        const path = enterNode(event.start, undefined) ?? [];
        stack.push({
          kind: event.type === yaml.EVENT_ID.MAPPING ? "mapping" : "sequence",
          path,
          expectKey: true,
          key: "",
          index: 0,
        });
        break;
      }
      case yaml.EVENT_ID.SCALAR:
        if (documents > 1) break;
        enterNode(event.valueStart, yaml.getScalarValue(text, event));
        break;
      case yaml.EVENT_ID.ALIAS:
        if (documents > 1) break;
        enterNode(event.anchorStart, undefined);
        break;
      case yaml.EVENT_ID.POP:
        if (documents > 1) break;
        stack.pop();
        break;
    }
  }
  return new YamlLocations(lines);
}
