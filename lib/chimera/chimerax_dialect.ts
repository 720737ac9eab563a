/**
 * Chimera 1 → ChimeraX command translation for a pool server running ChimeraX (spec §1.3): model
 * ids shift by one (ChimeraX ids start at 1), `volume #N save f` becomes `save f models #N
 * format mrc`, `vop zFlip` becomes `volume flip … axis z`, `open #N f` becomes `open f id N`,
 * `shape sphere` gets Chimera 1's default radius, motions without `models` name every model, and
 * a newly opened model is placed like the lowest-numbered model (`view position … sameAsModels`),
 * as Chimera 1 does. The translator tracks which (Chimera 1) ids exist.
 *
 * @module
 */
import { matchKeyword, splitCommands, tokenize } from "./command_syntax.ts";

/** Shifts every model number of a spec (`#1-3,5.1` → `#2-4,6.1`). Needs no permissions. */
export function shiftSpec(spec: string): string {
  return spec.replace(
    /(#|,)(\d+)(?:-(\d+))?/g,
    (_m, lead: string, a: string, b: string | undefined) =>
      `${lead}${Number(a) + 1}${b === undefined ? "" : `-${Number(b) + 1}`}`,
  );
}

/** The ids a spec names among `known` (for close bookkeeping). */
function idsOf(spec: string, known: Set<number>): number[] {
  const out: number[] = [];
  for (const group of spec.slice(1).split("#")) {
    if (group === "") return [...known];
    for (const part of group.split(",")) {
      const m = part.match(/^(\d+)(?:\.\d+)?(?:-(\d+))?$/);
      if (m === null) continue;
      const a = Number(m[1]), b = m[2] === undefined ? a : Number(m[2]);
      for (const id of known) if (id >= a && id <= b) out.push(id);
    }
  }
  return out;
}

/** Quotes a token for the ChimeraX command line when needed. */
function quote(token: string): string {
  return /[\s;"']/.test(token) ? `"${token.replace(/"/g, "")}"` : token;
}

/** One ChimeraX command line from its tokens, quoted where needed. */
function joinCommand(parts: string[]): string {
  return parts.map(quote).join(" ");
}

const ID_OPTIONS = ["modelId", "coordinateSystem", "onGrid", "models", "center"];

/** Translates Chimera 1 commands for one ChimeraX server. Needs no permissions. */
export class ChimeraXTranslator {
  readonly #ids = new Set<number>();

  /** Forgets every model (after a restart). */
  reset(): void {
    this.#ids.clear();
  }

  #lowest(): number | undefined {
    return this.#ids.size === 0 ? undefined : Math.min(...this.#ids);
  }

  #free(): number {
    let id = 0;
    while (this.#ids.has(id)) id++;
    return id;
  }

  /** Maps the model ids in keyword options; returns the new tokens and the modelId (C1). */
  #mapOptions(tokens: string[]): { tokens: string[]; modelId?: number; hasModels: boolean } {
    const out: string[] = [];
    let modelId: number | undefined;
    let hasModels = false;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      if (token.startsWith("#")) {
        out.push(shiftSpec(token));
        continue;
      }
      let keyword: string | undefined;
      try {
        keyword = /^[A-Za-z]{2,}$/.test(token) ? matchKeyword(token, ID_OPTIONS) : undefined;
      } catch {
        keyword = undefined;
      }
      const value = tokens[i + 1];
      if (keyword !== undefined && value !== undefined) {
        if (keyword === "models") hasModels = true;
        const bare = value.match(/^#?(\d+)$/);
        if (keyword === "modelId" && bare !== null) modelId = Number(bare[1]);
        let mapped = value;
        if (value.startsWith("#")) mapped = shiftSpec(value);
        else if (bare !== null && keyword !== "center") mapped = `#${Number(bare[1]) + 1}`;
        out.push(token, mapped);
        i++;
        continue;
      }
      out.push(token);
    }
    return { tokens: out, modelId, hasModels };
  }

  /** Placement like Chimera 1's lowest-model rule for a new model `id` (C1 numbering). */
  #placeLike(id: number, lowest: number | undefined): string[] {
    if (lowest === undefined || lowest === id) return [];
    return [`view position #${id + 1} sameAsModels #${lowest + 1}`];
  }

  /** Translates one Chimera 1 command string (may hold `;`) into ChimeraX commands. */
  translate(text: string): string[] {
    const out: string[] = [];
    for (const command of splitCommands(text)) out.push(...this.#translateOne(command));
    return out;
  }

  /** Translates one Chimera 1 command (no `;`); untokenizable text passes through unchanged. */
  #translateOne(command: string): string[] {
    let tokens: string[];
    try {
      tokens = tokenize(command);
    } catch {
      return [command];
    }
    const name = tokens[0]?.toLowerCase();
    const rest = tokens.slice(1);
    switch (name) {
      case "open":
        return this.#translateOpen(rest);
      case "close":
        return this.#translateClose(rest);
      case "move":
      case "turn":
        return this.#translateMotion(name, rest);
      case "volume":
      case "vol":
        return this.#translateVolume(rest);
      case "vop":
        return this.#translateVop(rest);
      case "shape":
        return this.#translateShape(rest);
      case "molmap":
        return this.#translateMolmap(rest);
      default:
        return [joinCommand([tokens[0] ?? "", ...this.#mapOptions(rest).tokens])];
    }
  }

  /** Records model `id` (C1) as existing; says whether it already was, and the lowest id before. */
  #claim(id: number): { existing: boolean; lowest: number | undefined } {
    const lowest = this.#lowest();
    const existing = this.#ids.has(id);
    this.#ids.add(id);
    return { existing, lowest };
  }

  /**
   * The model id (C1) a creating command gets: its `modelId` option's, else the lowest free one,
   * then appended to the tokens as `modelId #N` (ChimeraX numbering). The id is not yet claimed.
   */
  #createdModel(mapped: { tokens: string[]; modelId?: number }): { id: number; tokens: string[] } {
    const id = mapped.modelId ?? this.#free();
    const tokens = mapped.modelId === undefined
      ? [...mapped.tokens, "modelId", `#${id + 1}`]
      : mapped.tokens;
    return { id, tokens };
  }

  /** `open [#N] file…` → `open file… id N+1`, placed like the lowest model when new. */
  #translateOpen(rest: string[]): string[] {
    const files = rest.filter((t) => !t.startsWith("#") && !/^no(prefs|wildcard)$/i.test(t));
    const idToken = rest.find((t) => t.startsWith("#"));
    const id = idToken === undefined ? this.#free() : Number(idToken.slice(1).split(".")[0]);
    const { existing, lowest } = this.#claim(id);
    const place = existing ? [] : this.#placeLike(id, lowest);
    return [joinCommand(["open", ...files, "id", String(id + 1)]), ...place];
  }

  /** `close [all|session|spec…]`, forgetting the closed ids. */
  #translateClose(rest: string[]): string[] {
    if (rest.length === 0 || rest[0]!.toLowerCase() === "all") {
      this.#ids.clear();
      return ["close"];
    }
    if (rest[0]!.toLowerCase() === "session") {
      this.#ids.clear();
      return ["close session"];
    }
    for (const spec of rest) for (const id of idsOf(spec, this.#ids)) this.#ids.delete(id);
    return [joinCommand(["close", ...rest.map(shiftSpec)])];
  }

  /** `move`/`turn`: without `models`, every known model is named (Chimera 1 moves them all). */
  #translateMotion(name: string, rest: string[]): string[] {
    const mapped = this.#mapOptions(rest);
    const all = [...this.#ids].sort((a, b) => a - b).map((id) => id + 1).join(",");
    const models = mapped.hasModels || all === "" ? [] : ["models", `#${all}`];
    return [joinCommand([name, ...mapped.tokens, ...models])];
  }

  /** `volume #N save f` → `save f models #N format mrc`; other `volume` commands map ids. */
  #translateVolume(rest: string[]): string[] {
    const spec = rest[0];
    const saveAt = rest.findIndex((t) => t.toLowerCase() === "save");
    if (spec !== undefined && spec.startsWith("#") && saveAt >= 0 && rest[saveAt + 1]) {
      return [
        joinCommand(["save", rest[saveAt + 1]!, "models", shiftSpec(spec), "format", "mrc"]),
      ];
    }
    return [joinCommand(["volume", ...this.#mapOptions(rest).tokens])];
  }

  /** `vop [#N] OP …` → `volume OP … modelId #M`; `zFlip` → `volume flip … axis z`. */
  #translateVop(rest: string[]): string[] {
    let op = rest[0] ?? "";
    let args = rest.slice(1);
    if (op.startsWith("#") && rest[1] !== undefined) {
      op = rest[1];
      args = [rest[0]!, ...rest.slice(2)];
    }
    const { id, tokens } = this.#createdModel(this.#mapOptions(args));
    this.#ids.add(id);
    if (op.toLowerCase() === "zflip") {
      return [joinCommand(["volume", "flip", ...tokens, "axis", "z"])];
    }
    return [joinCommand(["volume", op, ...tokens])];
  }

  /** `shape …` with Chimera 1's default radius, placed like the lowest model when new. */
  #translateShape(rest: string[]): string[] {
    const { id, tokens } = this.#createdModel(this.#mapOptions(rest));
    const { existing, lowest } = this.#claim(id);
    if (!tokens.some((t) => /^radius$/i.test(t))) tokens.push("radius", "10");
    const hasCsys = rest.some((t) => /^coord/i.test(t));
    return [
      joinCommand(["shape", ...tokens]),
      ...(existing || hasCsys ? [] : this.#placeLike(id, lowest)),
    ];
  }

  /** `molmap …` with an explicit `modelId`. */
  #translateMolmap(rest: string[]): string[] {
    const { id, tokens } = this.#createdModel(this.#mapOptions(rest));
    this.#ids.add(id);
    return [joinCommand(["molmap", ...tokens])];
  }
}
