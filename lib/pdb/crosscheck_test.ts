/**
 * Cross-checks against Debian's gemmi (via /usr/bin/python3): atom counts and element composition
 * of the first model, after gemmi's alternative-conformation removal, for 1tii, 3al1, PDB files
 * without element columns, and gemmi-written mmCIF. Without gemmi: ignored (the name says so), or
 * failing under CI=true.
 */
import {
  assert,
  assertEquals,
  pythonModules,
  requirements,
  runPythonJson,
} from "../testing/mod.ts";
import { type AtomicModel, parseMmcif, readAtomicModel } from "./mod.ts";

const gemmi = await requirements(pythonModules("gemmi"));

const FIXTURES = new URL("../../tests/fixtures/pdb/", import.meta.url).pathname;

interface GemmiCount {
  atoms: number;
  elements: Record<string, number>;
}

/** gemmi's count of the first model of each file, after remove_alternative_conformations. */
const GEMMI_COUNT = `
import collections, json, sys
import gemmi
out = []
for path in sys.argv[1:]:
    st = gemmi.read_structure(path)
    st.remove_alternative_conformations()
    c = collections.Counter(a.element.name.upper() for ch in st[0] for r in ch for a in r)
    out.append(dict(atoms=sum(c.values()), elements=dict(c)))
print(json.dumps(out))
`;

function composition(model: AtomicModel): GemmiCount {
  const elements: Record<string, number> = {};
  for (const atom of model.atoms) {
    const key = atom.element === "" ? "X" : atom.element;
    elements[key] = (elements[key] ?? 0) + 1;
  }
  return { atoms: model.atoms.length, elements };
}

function sorted(count: GemmiCount): GemmiCount {
  return {
    atoms: count.atoms,
    elements: Object.fromEntries(Object.entries(count.elements).sort(([a], [b]) => a < b ? -1 : 1)),
  };
}

/** Rewrites ATOM/HETATM lines with columns `from`..`to` (1-based, inclusive) blanked. */
function blankColumns(text: string, from: number, to: number): string {
  return text.split("\n").map((line) => {
    if (!/^(ATOM {2}|HETATM)/.test(line)) return line;
    const padded = line.padEnd(80, " ");
    return (padded.slice(0, from - 1) + " ".repeat(to - from + 1) + padded.slice(to)).trimEnd();
  }).join("\n");
}

gemmi.test({
  name: "PDB atom counts and element composition agree with gemmi (with and without elements)",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const paths = [`${FIXTURES}1tii.pdb`, `${FIXTURES}3al1.pdb`, `${FIXTURES}small02.pdb`];
      for (const name of ["1tii", "3al1"]) {
        const text = await Deno.readTextFile(`${FIXTURES}${name}.pdb`);
        await Deno.writeTextFile(`${dir}/${name}_noelement.pdb`, blankColumns(text, 77, 78));
        paths.push(`${dir}/${name}_noelement.pdb`);
      }
      // 1hpv (Debian pymol-data) has no element columns: columns 73-80 hold "1HPV" and a line
      // number, which gemmi refuses as a charge; gemmi reads it with those columns blanked.
      const hpv = await Deno.readTextFile(`${FIXTURES}1hpv.pdb`);
      await Deno.writeTextFile(`${dir}/1hpv_for_gemmi.pdb`, blankColumns(hpv, 73, 80));
      const gemmi = await runPythonJson<GemmiCount[]>(GEMMI_COUNT, [
        ...paths,
        `${dir}/1hpv_for_gemmi.pdb`,
      ]);
      const ours = await Promise.all([...paths, `${FIXTURES}1hpv.pdb`].map(readAtomicModel));
      for (const [i, model] of ours.entries()) {
        assertEquals(sorted(composition(model)), sorted(gemmi[i]!), paths[i] ?? "1hpv.pdb");
      }
      assertEquals(ours[0]!.atoms.length, 5684);
      assertEquals(ours[1]!.atoms.length, 491); // 679 records, one altLoc each
      assert(ours[2]!.atoms.some((a) => a.element === "BR"));
      assert(ours[5]!.atoms.length > 1600);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

gemmi.test({
  name: "mmCIF written by gemmi reads like the PDB it came from",
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const names = ["1tii", "3al1", "1hpv"];
      for (const name of names) {
        const text = await Deno.readTextFile(`${FIXTURES}${name}.pdb`);
        // gemmi refuses 1hpv's columns 73-80 (see above).
        await Deno.writeTextFile(
          `${dir}/${name}.pdb`,
          name === "1hpv" ? blankColumns(text, 73, 80) : text,
        );
      }
      await runPythonJson(
        `
import sys
import gemmi
for name in sys.argv[2:]:
    st = gemmi.read_structure(f"{sys.argv[1]}/{name}.pdb")
    st.setup_entities()
    st.make_mmcif_document().write_file(f"{sys.argv[1]}/{name}.cif")
print("[]")
`,
        [dir, ...names],
      );
      for (const name of names) {
        const pdb = await readAtomicModel(`${dir}/${name}.pdb`);
        const cif = parseMmcif(await Deno.readTextFile(`${dir}/${name}.cif`), {
          fileName: `${name}.cif`,
        });
        assertEquals(cif.atoms.length, pdb.atoms.length, name);
        const key = (a: (typeof pdb.atoms)[number]) =>
          [a.name, a.altLoc, a.resName, a.chainId, a.resSeq, a.x, a.y, a.z, a.occupancy, a.element]
            .join("|");
        assertEquals(cif.atoms.map(key), pdb.atoms.map(key), name);
        // gemmi writes no group_PDB: waters and ligands outside the polymer count as HETATM.
        const water = (m: AtomicModel) => m.atoms.filter((a) => a.resName === "HOH");
        assert(water(cif).length > 0 && water(cif).every((a) => a.hetero), name);
        assertEquals(water(cif).length, water(pdb).length, name);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
