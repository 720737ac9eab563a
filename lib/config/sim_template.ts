/**
 * The TEM-Simulator template input file (`config` in the YAML) as text that can be queried and
 * edited line by line, keeping everything else (comments, order) as written.
 * Syntax as TEM-Simulator reads it (spec tem-simulator.md §1.1): `#` in column 0 is a comment, a
 * line starting with `=` is a component heading (`=== type name ===`), `name = value` assigns the
 * first token (or a "quoted string") after `=`.
 *
 * @module
 */

/** One assignment of the template. */
export interface SimParameter {
  /** Parameter name. */
  name: string;
  /** Its value (quotes removed). */
  value: string;
  /** 0-based index of the line in the file. */
  lineIndex: number;
}

/** One component block of the template. */
export interface SimComponent {
  /** Component type (`simulation`, `detector`, …). */
  type: string;
  /** Optional component name (`=== particle prot ===`). */
  name: string;
  /** 0-based index of the heading line. */
  headingIndex: number;
  /** Assignments in order. */
  parameters: SimParameter[];
}

/** Parameter names that name input files (rewritten to absolute paths, read-permitted). */
export const INPUT_FILE_PARAMETERS: readonly string[] = [
  "pdb_file_in",
  "pdb_transf_file_in",
  "map_file_re_in",
  "map_file_im_in",
  "coord_file_in",
  "geom_file_in",
  "error_file_in",
  "dose_file_in",
  "defocus_file_in",
];

/** Parses one line's assignment: name, value and where the value is. */
function parseAssignment(line: string): { name: string; value: string } | undefined {
  const eq = line.indexOf("=");
  if (eq < 0) return undefined;
  const name = line.slice(0, eq).trim().split(/\s+/)[0] ?? "";
  if (name === "") return undefined;
  const rest = line.slice(eq + 1).replace(/^\s+/, "");
  if (rest.startsWith('"')) {
    const end = rest.indexOf('"', 1);
    return { name, value: end < 0 ? rest.slice(1) : rest.slice(1, end) };
  }
  return { name, value: rest.split(/\s+/)[0] ?? "" };
}

/** A value as written in the file: quoted when it contains whitespace. */
export function simValue(value: string): string {
  return /\s/.test(value) ? `"${value}"` : value;
}

/** A TEM-Simulator input file, editable line by line. Needs no permissions. */
export class SimTemplate {
  #lines: string[];
  #components: SimComponent[] = [];
  #ended = false;

  constructor(text: string) {
    this.#lines = text.replace(/\r\n?/g, "\n").split("\n");
    if (this.#lines.length > 0 && this.#lines[this.#lines.length - 1] === "") this.#lines.pop();
    this.#reindex();
  }

  #reindex(): void {
    this.#components = [];
    this.#ended = false;
    let current: SimComponent | undefined;
    this.#lines.forEach((line, index) => {
      if (this.#ended) return;
      if (line.startsWith("#") || line.length <= 1) return;
      if (line.startsWith("=")) {
        const tokens = line.split(/[=\s]+/).filter((token) => token !== "");
        const type = tokens[0] ?? "";
        if (type === "end") {
          this.#ended = true;
          current = undefined;
          return;
        }
        current = { type, name: tokens[1] ?? "", headingIndex: index, parameters: [] };
        this.#components.push(current);
        return;
      }
      const assignment = parseAssignment(line);
      if (assignment && current) current.parameters.push({ ...assignment, lineIndex: index });
    });
  }

  /** The components in file order. */
  get components(): readonly SimComponent[] {
    return this.#components;
  }

  /** The components of one type, in order. */
  componentsOf(type: string): SimComponent[] {
    return this.#components.filter((component) => component.type === type);
  }

  /** The last value of `name` in the `occurrence`-th component of `type` (TEM-Simulator: last wins). */
  get(type: string, name: string, occurrence = 0): string | undefined {
    const component = this.componentsOf(type)[occurrence];
    const found = component?.parameters.filter((parameter) => parameter.name === name);
    return found?.[found.length - 1]?.value;
  }

  /** The 1-based line of `name` in the `occurrence`-th component of `type`, if assigned. */
  lineOf(type: string, name: string, occurrence = 0): number | undefined {
    const component = this.componentsOf(type)[occurrence];
    const found = component?.parameters.filter((parameter) => parameter.name === name);
    const last = found?.[found.length - 1];
    return last === undefined ? undefined : last.lineIndex + 1;
  }

  /**
   * Sets `name = value` in the `occurrence`-th component of `type`: every existing assignment of
   * it there is rewritten; if there is none, one is inserted after the heading. Returns false
   * when there is no such component.
   */
  set(type: string, name: string, value: string, occurrence = 0): boolean {
    const component = this.componentsOf(type)[occurrence];
    if (component === undefined) return false;
    const text = `${name} = ${simValue(value)}`;
    const existing = component.parameters.filter((parameter) => parameter.name === name);
    if (existing.length > 0) {
      for (const parameter of existing) this.#lines[parameter.lineIndex] = text;
    } else {
      this.#lines.splice(component.headingIndex + 1, 0, text);
    }
    this.#reindex();
    return true;
  }

  /** Appends raw lines (new sections) at the end, before any `=== end ===`. */
  append(lines: string[]): void {
    const endIndex = this.#lines.findIndex((line) => /^=+\s*end\b/.test(line));
    if (endIndex < 0) this.#lines.push(...lines);
    else this.#lines.splice(endIndex, 0, ...lines);
    this.#reindex();
  }

  /** Every assignment whose name is an input-file parameter, with its component. */
  inputFiles(): { component: SimComponent; parameter: SimParameter }[] {
    const found: { component: SimComponent; parameter: SimParameter }[] = [];
    for (const component of this.#components) {
      for (const parameter of component.parameters) {
        if (INPUT_FILE_PARAMETERS.includes(parameter.name)) found.push({ component, parameter });
      }
    }
    return found;
  }

  /** Rewrites the value on one line (keeping the name). */
  rewriteLine(lineIndex: number, name: string, value: string): void {
    this.#lines[lineIndex] = `${name} = ${simValue(value)}`;
    this.#reindex();
  }

  /** The file text (with a final newline). */
  toString(): string {
    return this.#lines.join("\n") + "\n";
  }
}
