import { assertEquals, assertThrows } from "../testing/mod.ts";
import { EtsError } from "../errors/mod.ts";
import { parseMmcif } from "./mod.ts";

const CIF = `data_1ABC
# a comment
_entry.id 1ABC
_struct.title
;A multi-line
title with 'quotes' and # hash
;
loop_
_atom_site.group_PDB
_atom_site.id
_atom_site.type_symbol
_atom_site.label_atom_id
_atom_site.label_alt_id
_atom_site.label_comp_id
_atom_site.label_asym_id
_atom_site.label_seq_id
_atom_site.pdbx_PDB_ins_code
_atom_site.Cartn_x
_atom_site.Cartn_y
_atom_site.Cartn_z
_atom_site.occupancy
_atom_site.B_iso_or_equiv
_atom_site.auth_seq_id
_atom_site.auth_asym_id
_atom_site.pdbx_PDB_model_num
ATOM   1 N  N     . ALA A 1 ? 1.0 2.0 3.0 1.00 10.0 11 X 1
ATOM   2 C  "C1'" . DA  A 2 A -1.5 2.5(3) 3.5 .    ?    12 X 1 # trailing comment
ATOM   3 O  'O5"' A SER A 3 ? 0 0 0 0.30 5 13 X 1
ATOM   4 O  'O5"' B SER A 3 ? 9 9 9 0.70 5 13 X 1
HETATM 5 ZN ZN    . ZN  B . ? 4 5 6 1 20 100 Y 1
HETATM 6 ?  '.'   . UNK C . ? 7 8 9 1 20 101 Z 1
ATOM   7 N  N     . ALA A 1 ? 50 50 50 1 10 11 X 2
#
loop_
_atom_type.symbol
C
N
`;

Deno.test("parseMmcif reads _atom_site by column name, with quotes, '.', '?' and text fields", () => {
  const model = parseMmcif(CIF, { fileName: "t.cif" });
  assertEquals(model.name, "1ABC");
  assertEquals(model.atoms.map((a) => a.serial), [1, 2, 4, 5, 6]);
  const [n, c, o, zn, unknown] = model.atoms;
  assertEquals(n, {
    serial: 1,
    name: "N",
    altLoc: "",
    resName: "ALA",
    chainId: "X", // auth_asym_id preferred
    resSeq: 11, // auth_seq_id preferred
    iCode: "",
    x: 1,
    y: 2,
    z: 3,
    occupancy: 1,
    bFactor: 10,
    element: "N",
    hetero: false,
  });
  assertEquals([c!.name, c!.iCode, c!.y, c!.occupancy, c!.bFactor], ["C1'", "A", 2.5, 1, 0]);
  assertEquals([o!.name, o!.altLoc, o!.x, o!.occupancy], [`O5"`, "B", 9, 0.7]);
  assertEquals([zn!.element, zn!.hetero, zn!.resSeq, zn!.chainId], ["ZN", true, 100, "Y"]);
  // Quoted "." is a literal name; an unknown type_symbol falls back to the name.
  assertEquals([unknown!.name, unknown!.element], [".", ""]);
});

Deno.test("parseMmcif selects models by pdbx_PDB_model_num", () => {
  assertEquals(parseMmcif(CIF, { model: 2 }).atoms.map((a) => [a.serial, a.x]), [[7, 50]]);
  assertThrows(() => parseMmcif(CIF, { model: 3, fileName: "t.cif" }), EtsError, "no model 3");
});

Deno.test("parseMmcif infers elements without type_symbol and reads single-row tables", () => {
  const noSymbol = `data_x
loop_
_atom_site.group_PDB
_atom_site.label_atom_id
_atom_site.label_comp_id
_atom_site.Cartn_x
_atom_site.Cartn_y
_atom_site.Cartn_z
ATOM CA ALA 1 2 3
HETATM MG MG 1 2 3
HETATM CL LIG 1 2 3
`;
  assertEquals(parseMmcif(noSymbol).atoms.map((a) => a.element), ["C", "MG", "C"]);
  const single = `data_y
_atom_site.group_PDB HETATM
_atom_site.type_symbol Fe
_atom_site.label_atom_id FE
_atom_site.label_comp_id FE
_atom_site.Cartn_x 1.5
_atom_site.Cartn_y 2.5
_atom_site.Cartn_z 3.5
`;
  const atoms = parseMmcif(single).atoms;
  assertEquals(atoms.map((a) => [a.element, a.x, a.y, a.z, a.hetero]), [[
    "FE",
    1.5,
    2.5,
    3.5,
    true,
  ]]);
});

Deno.test("parseMmcif without group_PDB: atoms without label_seq_id are HETATM", () => {
  const text = `data_x
loop_
_atom_site.type_symbol
_atom_site.label_atom_id
_atom_site.label_comp_id
_atom_site.label_seq_id
_atom_site.Cartn_x
_atom_site.Cartn_y
_atom_site.Cartn_z
C CA GLY 1 1 2 3
O O HOH . 1 2 3
`;
  assertEquals(parseMmcif(text).atoms.map((a) => a.hetero), [false, true]);
});

Deno.test("parseMmcif errors name the file and line", () => {
  const ragged =
    "data_x\nloop_\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n1 2 3\n4 5\n";
  const error = assertThrows(() => parseMmcif(ragged, { fileName: "r.cif" }), EtsError);
  assertEquals([error.kind, error.file, error.line], ["input", "r.cif", 2]);
  assertEquals(
    error.message,
    `Cannot read "r.cif": line 2: the _atom_site loop has 5 values for 3 columns`,
  );
  const badNumber =
    "data_x\nloop_\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n1 b 3\n";
  assertThrows(
    () => parseMmcif(badNumber, { fileName: "n.cif" }),
    EtsError,
    `line 6: Cartn_y must be a number, got "b"`,
  );
  assertThrows(
    () => parseMmcif("data_x\n_cell.length_a 5\n", { fileName: "e.cif" }),
    EtsError,
    "no _atom_site",
  );
  assertThrows(
    () => parseMmcif("data_x\n_a.b 'open\n", { fileName: "q.cif" }),
    EtsError,
    "line 2: unterminated",
  );
  assertThrows(
    () => parseMmcif("data_x\n;\nno end\n", { fileName: "t.cif" }),
    EtsError,
    "line 2: unterminated ;-text",
  );
});
