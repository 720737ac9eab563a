/**
 * Chemical elements: symbols, atomic numbers, and the PDB rules for inferring an element from an
 * atom name when the element columns are blank.
 *
 * @module
 */

/** Element symbols by atomic number (index 0 is unused). */
const SYMBOLS = (
  "X H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se " +
  "Br Kr Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy " +
  "Ho Er Tm Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf " +
  "Es Fm Md No Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og"
).split(" ");

const NUMBERS = new Map<string, number>(SYMBOLS.map((s, z) => [s.toUpperCase(), z]));
NUMBERS.delete("X");
// Hydrogen isotopes.
NUMBERS.set("D", 1);
NUMBERS.set("T", 1);

/**
 * The atomic number of an element symbol (any case; "D" and "T" count as hydrogen), or 0 when
 * unknown. Needs no permissions.
 */
export function atomicNumber(element: string): number {
  return NUMBERS.get(element.trim().toUpperCase()) ?? 0;
}

function isLetter(c: string | undefined): c is string {
  return c !== undefined && /^[A-Za-z]$/.test(c);
}

function isDigitOrSpace(c: string | undefined): boolean {
  return c === undefined || c === " " || /^[0-9]$/.test(c);
}

/** Whether a two-letter symbol is a plausible element to read from an atom name. */
function plausibleTwoLetter(symbol: string): boolean {
  const z = atomicNumber(symbol);
  return z > 0 && z <= 83 && symbol !== "PM" && symbol !== "TC";
}

/**
 * The element (upper case, e.g. "C", "FE") of a PDB atom from its raw 4-character name (columns
 * 13-16), by the PDB alignment rules: a 4-character name starting with H is hydrogen; a name
 * starting with a blank or digit has its element in the second column (" CA " → C, "1HB " → H);
 * otherwise the first two letters when they form an element (Z ≤ 83, not Pm/Tc: "FE  " → FE,
 * "CL1 " → CL), else the first letter. Returns "" when nothing fits. Needs no permissions.
 */
export function elementFromAtomName(rawName: string): string {
  const name = rawName.padEnd(4, " ").slice(0, 4);
  const [c0, c1, , c3] = name;
  if (c0 === "H" && c3 !== " ") return "H";
  if (isDigitOrSpace(c0)) {
    return isLetter(c1) && atomicNumber(c1) > 0 ? c1.toUpperCase() : "";
  }
  if (isLetter(c0) && isLetter(c1)) {
    const two = (c0 + c1).toUpperCase();
    if (plausibleTwoLetter(two)) return two;
  }
  return isLetter(c0) && atomicNumber(c0) > 0 ? c0.toUpperCase() : "";
}

/**
 * The element of an mmCIF atom without `type_symbol`, from its (unaligned) atom id: the first
 * letter, or the first two when they form an element and the atom is a HETATM ion (its id equals
 * its residue name, e.g. ZN in ZN). Returns "" when nothing fits. Needs no permissions.
 */
export function elementFromAtomId(atomId: string, resName: string, hetero: boolean): string {
  const id = atomId.trim().toUpperCase();
  if (hetero && id.length === 2 && id === resName.trim().toUpperCase() && atomicNumber(id) > 0) {
    return id;
  }
  const first = id.match(/[A-Z]/)?.[0];
  return first !== undefined && atomicNumber(first) > 0 ? first : "";
}
