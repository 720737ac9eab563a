/**
 * The checks of each used component: the parameters a particle, particle set, geometry, electron
 * beam, optics, detector or sample needs by its settings, and output files that clash with other
 * outputs or with inputs (spec §1.2, §8).
 *
 * @module
 */
import { requireParameters, requireTableParameters } from "./component_values.ts";
import { componentType, fail, title } from "./parse_context.ts";
import type { Context, Values } from "./parse_context.ts";
import { PARAMETERS } from "./schema.ts";

/** Checks the parameters a used particle needs for its source and potential. */
export function checkParticle(context: Context, particle: Values): void {
  requireTableParameters(context, "particle", particle);
  const kind = particle["source"] as string;
  if (kind === "pdb") {
    requireParameters(context, "particle", particle, ["pdb_file_in", "voxel_size"], "source = pdb");
  } else if (kind === "map") {
    requireParameters(context, "particle", particle, ["map_file_re_in"], "source = map");
    if (particle["map_file_format"] === "raw") {
      requireParameters(
        context,
        "particle",
        particle,
        ["nx", "ny", "nz", "voxel_size"],
        "map_file_format = raw",
      );
    }
    if (particle["use_imag_pot"] === true) {
      requireParameters(
        context,
        "particle",
        particle,
        ["map_file_im_in"],
        "source = map and use_imag_pot = yes",
      );
    }
  } else {
    requireParameters(
      context,
      "particle",
      particle,
      ["nx", "ny", "nz", "voxel_size", "contrast_re", "smoothness", "make_positive"],
      "source = random",
    );
    if (particle["use_imag_pot"] === true) {
      requireParameters(
        context,
        "particle",
        particle,
        ["contrast_im"],
        "source = random and use_imag_pot = yes",
      );
    }
  }
  if (particle["use_imag_pot"] === false) {
    requireParameters(context, "particle", particle, ["famp"], "use_imag_pot = no");
  }
}

/** Checks a particle set: a known particle type and what its coordinates source needs. */
export function checkParticleSet(context: Context, set: Values, particles: Values[]): void {
  requireTableParameters(context, "particleset", set);
  const type = set["particle_type"] as string;
  const matches = particles.filter((particle) => particle.name === type);
  if (matches.length !== 1) {
    const known = particles.map((particle) => `"${particle.name}"`).join(", ");
    fail(
      context,
      set.location.given["particle_type"] ?? set.location.line,
      `particle_type "${type}" names no particle component` +
        (known === "" ? " (there is none)" : ` (known: ${known})`),
      "particle_type",
    );
  }
  if (set["particle_coords"] === undefined) {
    fail(
      context,
      set.location.line,
      `component ${title(set, "particleset")} needs "particle_coords" (file, random or grid)`,
      "particle_coords",
    );
  }
  switch (set["particle_coords"]) {
    case "file":
      requireParameters(context, "particleset", set, ["coord_file_in"], "particle_coords = file");
      break;
    case "random":
      requireParameters(context, "particleset", set, ["where"], "particle_coords = random");
      if (
        set["num_particles"] === undefined && set["particle_conc"] === undefined &&
        set["occupancy"] === undefined
      ) {
        fail(
          context,
          set.location.line,
          `component ${title(set, "particleset")} needs "num_particles", "particle_conc" or ` +
            `"occupancy" (required when particle_coords = random)`,
          "num_particles",
        );
      }
      break;
    case "grid":
      requireParameters(context, "particleset", set, ["particle_dist"], "particle_coords = grid");
      break;
  }
}

/** Checks the geometry: generated or file tilt angles, and the error file if used. */
export function checkGeometry(context: Context, geometry: Values): void {
  requireTableParameters(context, "geometry", geometry);
  if (geometry["gen_tilt_data"] === true) {
    requireParameters(
      context,
      "geometry",
      geometry,
      ["ntilts", "theta_start", "theta_incr"],
      "gen_tilt_data = yes",
    );
  } else {
    requireParameters(context, "geometry", geometry, ["geom_file_in"], "gen_tilt_data = no");
  }
  if (geometry["geom_errors"] === "file") {
    requireParameters(context, "geometry", geometry, ["error_file_in"], "geom_errors = file");
  }
}

/** Checks the electron beam: a dose to generate, or a dose file. */
export function checkElectronBeam(context: Context, beam: Values): void {
  requireTableParameters(context, "electronbeam", beam);
  if (beam["gen_dose"] === true) {
    if (beam["total_dose"] === undefined && beam["dose_per_im"] === undefined) {
      fail(
        context,
        beam.location.line,
        `component ${title(beam, "electronbeam")} needs "total_dose" or "dose_per_im" ` +
          `(required when gen_dose = yes)`,
        "dose_per_im",
      );
    }
  } else {
    requireParameters(context, "electronbeam", beam, ["dose_file_in"], "gen_dose = no");
  }
}

/** Checks the optics: a nominal defocus to generate, or a defocus file. */
export function checkOptics(context: Context, optics: Values): void {
  requireTableParameters(context, "optics", optics);
  if (optics["gen_defocus"] === true) {
    requireParameters(context, "optics", optics, ["defocus_nominal"], "gen_defocus = yes");
  } else {
    requireParameters(context, "optics", optics, ["defocus_file_in"], "gen_defocus = no");
  }
}

/** Checks a detector: its required parameters and a positive MTF normalisation. */
export function checkDetector(context: Context, detector: Values): void {
  requireTableParameters(context, "detector", detector);
  const sum = (detector["mtf_a"] as number) + (detector["mtf_b"] as number) +
    (detector["mtf_c"] as number);
  if (!(sum > 0)) {
    fail(
      context,
      detector.location.given["mtf_c"] ?? detector.location.line,
      `mtf_a + mtf_b + mtf_c must be positive (the MTF is normalised by it), got 0`,
      "mtf_c",
    );
  }
}

/** Checks the required parameters of the sample. */
export function checkSample(context: Context, sample: Values): void {
  requireTableParameters(context, "sample", sample);
}

/** Output files named twice, or output files that are also inputs, are errors. */
export function checkFileClashes(context: Context, components: Values[]): void {
  const outputs = new Map<string, { key: string; line: number }>();
  const inputs = new Map<string, { key: string; line: number }>();
  for (const component of components) {
    const specs = PARAMETERS[componentType(component)];
    for (const spec of specs) {
      const value = component[spec.name];
      if (typeof value !== "string") continue;
      const line = component.location.given[spec.name] ?? component.location.line;
      if (spec.type === "output_file") {
        const earlier = outputs.get(value);
        if (earlier !== undefined) {
          fail(
            context,
            line,
            `"${spec.name}" names the same file as "${earlier.key}" at line ${earlier.line}: ` +
              JSON.stringify(value),
            spec.name,
          );
        }
        outputs.set(value, { key: spec.name, line });
      } else if (spec.type === "input_file") {
        if (!inputs.has(value)) inputs.set(value, { key: spec.name, line });
      }
    }
  }
  for (const [path, output] of outputs) {
    const input = inputs.get(path);
    if (input !== undefined) {
      fail(
        context,
        output.line,
        `"${output.key}" would overwrite the input file of "${input.key}" at line ${input.line}: ` +
          JSON.stringify(path),
        output.key,
      );
    }
  }
}
