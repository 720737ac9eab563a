import { assert, assertEquals, assertThrows } from "../testing/mod.ts";
import { EtsError } from "../errors/mod.ts";
import {
  atomicNumber,
  elementFromAtomId,
  elementFromAtomName,
  parseAtomicModel,
  parseHybrid36,
  parsePdb,
} from "./mod.ts";

/** One ATOM/HETATM line in exact PDB columns. */
function atomLine(f: {
  record?: string;
  serial?: number;
  name: string; // raw 4 characters
  altLoc?: string;
  resName?: string;
  chain?: string;
  resSeq?: number;
  x?: number;
  y?: number;
  z?: number;
  occupancy?: string;
  b?: string;
  element?: string;
}): string {
  const num = (v: number) => v.toFixed(3).padStart(8);
  return (f.record ?? "ATOM  ") + String(f.serial ?? 1).padStart(5) + " " + f.name.padEnd(4) +
    (f.altLoc ?? " ") + (f.resName ?? "ALA").padStart(3) + " " + (f.chain ?? "A") +
    String(f.resSeq ?? 1).padStart(4) + "    " + num(f.x ?? 1) + num(f.y ?? 2) + num(f.z ?? 3) +
    (f.occupancy ?? "  1.00") + (f.b ?? " 10.00") + "          " + (f.element ?? "").padStart(2);
}

Deno.test("atomLine builds 78-column records", () => {
  const line = atomLine({ name: " CA ", element: "C" });
  assertEquals(line.length, 78);
  assertEquals(line.slice(12, 16), " CA ");
  assertEquals(line.slice(76, 78), " C");
});

Deno.test("parsePdb reads the fixed columns", () => {
  const text = [
    "HEADER    TEST                                    01-JAN-00   9XYZ              ",
    atomLine({
      serial: 7,
      name: " CA ",
      resName: "GLY",
      chain: "B",
      resSeq: -3,
      x: -1.5,
      y: 22.25,
      z: 333.125,
      occupancy: "  0.50",
      b: " 12.34",
      element: "C",
    }),
    atomLine({
      record: "HETATM",
      serial: 8,
      name: "ZN  ",
      resName: "ZN",
      chain: "C",
      resSeq: 900,
      element: "ZN",
    }),
  ].join("\n");
  const model = parsePdb(text, { fileName: "t.pdb" });
  assertEquals(model.name, "9XYZ");
  assertEquals(model.atoms, [
    {
      serial: 7,
      name: "CA",
      altLoc: "",
      resName: "GLY",
      chainId: "B",
      resSeq: -3,
      iCode: "",
      x: -1.5,
      y: 22.25,
      z: 333.125,
      occupancy: 0.5,
      bFactor: 12.34,
      element: "C",
      hetero: false,
    },
    {
      serial: 8,
      name: "ZN",
      altLoc: "",
      resName: "ZN",
      chainId: "C",
      resSeq: 900,
      iCode: "",
      x: 1,
      y: 2,
      z: 3,
      occupancy: 1,
      bFactor: 10,
      element: "ZN",
      hetero: true,
    },
  ]);
});

Deno.test("short lines: blank occupancy is 1, blank B is 0, element inferred", () => {
  const full = atomLine({ name: " OG1", resName: "THR" });
  const model = parsePdb(full.slice(0, 54) + "\n" + full.slice(0, 60).replace(/1\.00$/, "    "));
  assertEquals(model.atoms.map((a) => [a.occupancy, a.bFactor, a.element]), [
    [1, 0, "O"],
    [1, 0, "O"],
  ]);
});

Deno.test("element inference from atom names follows the PDB alignment rules", () => {
  const cases: [string, string][] = [
    [" CA ", "C"],
    ["CA  ", "CA"], // left-justified: calcium
    [" N  ", "N"],
    ["1HB ", "H"],
    ["2HG1", "H"],
    ["HG21", "H"], // 4-character hydrogen name
    ["HG  ", "HG"], // mercury
    ["FE  ", "FE"],
    ["CL1 ", "CL"],
    ["C1' ", "C"],
    ["CH3 ", "C"], // not an element: first letter
    ["O5' ", "O"],
    ["AC5 ", ""], // Ac (Z 89) refused, "A" unknown
    [" D  ", "D"],
    ["    ", ""],
  ];
  for (const [name, element] of cases) assertEquals(elementFromAtomName(name), element, name);
  assertEquals(elementFromAtomId("ZN", "ZN", true), "ZN");
  assertEquals(elementFromAtomId("CA", "ALA", false), "C");
  assertEquals(elementFromAtomId("CA", "CA", true), "CA");
  assertEquals(elementFromAtomId("O5'", "DA", false), "O");
  assertEquals([atomicNumber("C"), atomicNumber("fe"), atomicNumber("D"), atomicNumber("U")], [
    6,
    26,
    1,
    92,
  ]);
  assertEquals(atomicNumber("XX"), 0);
});

Deno.test("element columns win when valid; blank or garbage columns fall back to the name", () => {
  const text = [
    atomLine({ name: "CA  ", resName: "CA", element: "CA" }),
    atomLine({ name: " CA ", element: "" }),
    atomLine({ name: " CA ", element: "1" }), // e.g. a segment/line number spilling over
    atomLine({ name: " SE ", resName: "MSE", element: "Se" }),
  ].join("\n");
  assertEquals(parsePdb(text).atoms.map((a) => a.element), ["CA", "C", "C", "SE"]);
});

Deno.test("altLoc: the highest-occupancy alternative is kept per atom, in file order", () => {
  const text = [
    atomLine({ serial: 1, name: " N  ", resSeq: 5 }),
    atomLine({ serial: 2, name: " CB ", altLoc: "A", resSeq: 5, occupancy: "  0.30" }),
    atomLine({ serial: 3, name: " CB ", altLoc: "B", resSeq: 5, occupancy: "  0.70" }),
    atomLine({ serial: 4, name: " OG ", altLoc: "A", resSeq: 5, occupancy: "  0.50" }),
    atomLine({ serial: 5, name: " OG ", altLoc: "B", resSeq: 5, occupancy: "  0.50" }),
    atomLine({ serial: 6, name: " CB ", altLoc: "A", resSeq: 6, occupancy: "  0.60" }),
    atomLine({ serial: 7, name: " CB ", altLoc: "B", resSeq: 6, occupancy: "  0.40" }),
    atomLine({ record: "HETATM", serial: 8, name: " H  ", resName: "LIG", resSeq: 7 }),
    atomLine({ record: "HETATM", serial: 9, name: " H  ", resName: "LIG", resSeq: 7 }),
  ].join("\n");
  const atoms = parsePdb(text).atoms;
  // Duplicate names without altLoc (serials 8, 9) are both kept.
  assertEquals(atoms.map((a) => a.serial), [1, 3, 4, 6, 8, 9]);
});

Deno.test("altLoc microheterogeneity: one residue name per residue number", () => {
  const text = [
    atomLine({ serial: 1, name: " N  ", altLoc: "A", resName: "SER", occupancy: "  0.40" }),
    atomLine({ serial: 2, name: " OG ", altLoc: "A", resName: "SER", occupancy: "  0.40" }),
    atomLine({ serial: 3, name: " N  ", altLoc: "B", resName: "THR", occupancy: "  0.60" }),
    atomLine({ serial: 4, name: " OG1", altLoc: "B", resName: "THR", occupancy: "  0.60" }),
    atomLine({ serial: 5, name: " CG2", altLoc: "B", resName: "THR", occupancy: "  0.60" }),
  ].join("\n");
  assertEquals(parsePdb(text).atoms.map((a) => a.serial), [3, 4, 5]);
});

Deno.test("MODEL: the first model by default, another on request", () => {
  const text = [
    "MODEL        1",
    atomLine({ serial: 1, name: " C1 " }),
    atomLine({ serial: 2, name: " C2 " }),
    "ENDMDL",
    "MODEL        2",
    atomLine({ serial: 3, name: " N1 " }),
    "ENDMDL",
    "END",
  ].join("\n");
  assertEquals(parsePdb(text).atoms.map((a) => a.serial), [1, 2]);
  assertEquals(parsePdb(text, { model: 2 }).atoms.map((a) => a.serial), [3]);
  const error = assertThrows(() => parsePdb(text, { model: 3, fileName: "m.pdb" }), EtsError);
  assertEquals(error.message, `Cannot read "m.pdb": MODEL 3 has no ATOM/HETATM records`);
  // Without MODEL records the file is model 1.
  assertEquals(parsePdb(atomLine({ name: " C  " }), { model: 1 }).atoms.length, 1);
});

Deno.test("hybrid-36 serials and residue numbers", () => {
  assertEquals(parseHybrid36("99999"), 99999);
  assertEquals(parseHybrid36("A0000"), 100000);
  assertEquals(parseHybrid36("A0001"), 100001);
  assertEquals(parseHybrid36("a0000"), 100000 + 26 * 36 ** 4);
  assertEquals(parseHybrid36("A000"), 10000);
  assertEquals(parseHybrid36("    "), undefined);
  assert(Number.isNaN(parseHybrid36("A-00")!));
});

Deno.test("malformed records give input errors with file and line", () => {
  const bad = atomLine({ name: " CA " }).replace("   1.000", "   1.0x0");
  const error = assertThrows(() => parsePdb(`REMARK\n${bad}`, { fileName: "b.pdb" }), EtsError);
  assertEquals([error.kind, error.file, error.line], ["input", "b.pdb", 2]);
  assertEquals(error.message, `Cannot read "b.pdb": line 2: x must be a number, got "1.0x0"`);
  assertThrows(
    () => parsePdb("ATOM      1  CA  ALA A   1      1.0", { fileName: "s.pdb" }),
    EtsError,
    "too short",
  );
  assertThrows(
    () => parsePdb("REMARK nothing\nEND\n", { fileName: "e.pdb" }),
    EtsError,
    "no ATOM/HETATM",
  );
});

Deno.test("parseAtomicModel picks the format by extension, then by content", () => {
  const pdb = atomLine({ name: " CA ", element: "C" });
  const cif = "data_x\nloop_\n_atom_site.group_PDB\n_atom_site.type_symbol\n" +
    "_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\nATOM C 1 2 3\nATOM N 4 5 6\n";
  assertEquals(parseAtomicModel(pdb, "a.pdb").atoms.length, 1);
  assertEquals(parseAtomicModel(cif, "a.cif").atoms.length, 2);
  assertEquals(parseAtomicModel(cif, "a.mmcif.gz").atoms.length, 2);
  assertEquals(parseAtomicModel(`# comment\n${cif}`, "model").atoms.length, 2);
  assertEquals(parseAtomicModel(pdb, "model").atoms.length, 1);
});
