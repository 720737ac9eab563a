/**
 * The parsed TEM-Simulator 1.3 input file (spec `tem-simulator.md` §1).
 *
 * Keys are exactly the spec's component and parameter names (snake_case). Numbers are numbers,
 * `yes`/`no` are booleans, enumerations are string unions, file paths are absolute (resolved against
 * the folder of the input file), and every default of spec §1.2 is applied. An optional parameter
 * that has no default and was not given is `undefined`.
 *
 * The parser also checks what the run needs (spec §1.2 "req" and "req if …"): when a component is
 * used by the run (see {@linkcode SimulationInput}), every parameter it requires is set, so code may
 * rely on it. Conditional requirements are stated on each field.
 *
 * @module
 */

/** Where a component came from in the input file (for error messages and the log file). */
export interface ComponentSource {
  /** 1-based line of the component heading (`=== type name ===`); the first one for `simulation`. */
  line: number;
  /**
   * The parameters given explicitly in the input file, each with the 1-based line of its (last)
   * assignment. Parameters not listed here hold their default or are `undefined`. The log file
   * writes given parameters as assignments and the others as comments.
   */
  given: Record<string, number>;
}

/** Fields shared by every component. */
export interface ComponentBase {
  /** The component name from the heading (`=== particle prot ===` → `"prot"`), `""` when unnamed. */
  name: string;
  /** Where the component came from (not a parameter: `source` is a particle parameter). */
  location: ComponentSource;
}

/** Map and image file format: `mrc` (float32, or int16 per header on input), `mrc-int`, `raw`. */
export type MapFileFormat = "mrc" | "mrc-int" | "raw";
/** Byte order of written (and raw input) files. `native` is the machine's (little-endian here). */
export type ByteOrder = "be" | "le" | "native";
/** Axis order of a map file: a permutation of `xyz`, the first letter varying fastest. */
export type MapAxisOrder = "xyz" | "xzy" | "yxz" | "yzx" | "zxy" | "zyx";

/** `=== simulation ===` (several blocks are merged; the last value wins). */
export interface SimulationParameters extends ComponentBase {
  /** Generate micrographs (tilt series). Default no. Needs sample, geometry, electronbeam, optics and ≥1 detector. */
  generate_micrographs: boolean;
  /** Generate volume maps. Default no. Needs sample and ≥1 volume. */
  generate_volumes: boolean;
  /** Write map_file_*_out of pdb/random particles. Default no. */
  generate_particle_maps: boolean;
  /**
   * Log file (absolute path). `undefined` → the default `TEM-simulator_<unixtime>.log` in the input
   * file's folder (see `chooseLogPath` in lib/tem/text_output).
   */
  log_file?: string;
  /** Seed of the random number generator (integer, −2³¹ … 2³²−1). `undefined` → taken from the clock and logged. */
  rand_seed?: number;
}

/** `=== sample ===`: a hole of ice in a support film. */
export interface SampleParameters extends ComponentBase {
  /** Hole diameter D, nm, ≥ 0. Required. */
  diameter: number;
  /** Ice thickness at the hole centre, nm, ≥ 0. Required. */
  thickness_center: number;
  /** Ice thickness at the hole edge, nm, ≥ 0; also the support-film thickness. Required. */
  thickness_edge: number;
  /** Hole centre x, nm. Default 0. */
  offset_x: number;
  /** Hole centre y, nm. Default 0. */
  offset_y: number;
}

/** Where a particle potential comes from. */
export type ParticleSourceKind = "pdb" | "map" | "random";

/** `=== particle NAME ===` (repeatable; names must be distinct). */
export interface ParticleParameters extends ComponentBase {
  /** Potential source. Required. */
  source: ParticleSourceKind;
  /**
   * Voxel size, nm, 0.01 … 10. Required for pdb, random and raw maps; optional for MRC maps
   * (`undefined` → from the map header, Σcell/Σn, Å → nm).
   */
  voxel_size?: number;
  /** Map size along x, voxels, 1 … 1000. Required for random and raw maps; optional box size for pdb. */
  nx?: number;
  /** Map size along y, voxels, 1 … 1000. As `nx`. */
  ny?: number;
  /** Map size along z, voxels, 1 … 1000. As `nx`. */
  nz?: number;
  /**
   * Default yes. yes: a separate absorption (imaginary) potential (pdb: computed, map:
   * map_file_im_in, required). no: V → (√(1−famp²) + i·famp)·V.
   */
  use_imag_pot: boolean;
  /** Amplitude contrast fraction, 0 … 1. Required when use_imag_pot = no. */
  famp?: number;
  /** Within-slice defocus correction (buggy in 1.3, spec §8). Default no. */
  use_defocus_corr: boolean;
  /** PDB file (absolute path). Required for pdb. */
  pdb_file_in?: string;
  /** Transformations of the PDB model (absolute path; read with `readPdbTransformFile`). */
  pdb_transf_file_in?: string;
  /** Add hydrogens to residue atoms (pdb). Default yes. */
  add_hydrogen: boolean;
  /** Format of map files. Default mrc. For input, mrc and mrc-int are equivalent. */
  map_file_format: MapFileFormat;
  /** Axis order of map files. Default xyz. The MRC mapc/mapr/maps fields are ignored. */
  map_axis_order: MapAxisOrder;
  /** Byte order of map files. Default native. Auto-detected for MRC input. */
  map_file_byte_order: ByteOrder;
  /** Real potential map, V (absolute path). Required for map. */
  map_file_re_in?: string;
  /** Imaginary (absorption) potential map, V (absolute path). Required for map with use_imag_pot = yes. */
  map_file_im_in?: string;
  /** Output of the real potential map (pdb/random; absolute path). */
  map_file_re_out?: string;
  /** Output of the imaginary potential map (pdb/random; absolute path). */
  map_file_im_out?: string;
  /** Contrast of the real part (random source). Required for random. */
  contrast_re?: number;
  /** Contrast of the imaginary part (random source). Required for random with use_imag_pot = yes. */
  contrast_im?: number;
  /** Smoothness s, 0 … 10 (random source). Required for random. */
  smoothness?: number;
  /** Make the random potential positive (random source). Required for random. */
  make_positive?: boolean;
}

/** How a particle set places its particles. */
export type ParticleCoordsKind = "file" | "random" | "grid";
/** Where random particles go. `top` is −z (beam entry side), `bottom` +z. */
export type ParticleWhere = "volume" | "surface" | "top" | "bottom";

/** `=== particleset ===` (repeatable; the name is unused). */
export interface ParticleSetParameters extends ComponentBase {
  /** Name of a particle component (must exist). Required. */
  particle_type: string;
  /**
   * How positions are made. Required (or given through the obsolete gen_rand_positions:
   * yes → random, no → file, which the parser converts).
   */
  particle_coords: ParticleCoordsKind;
  /** Obsolete; as given (`undefined` if not given). Already folded into particle_coords. */
  gen_rand_positions?: boolean;
  /** Coordinate table (absolute path; x y z nm, phi theta psi deg). Required for file. */
  coord_file_in?: string;
  /** Output of the generated table for random/grid (absolute path). */
  coord_file_out?: string;
  /**
   * Number of particles, 0 … 1e6. file: uses the first N rows (≤ rows in the file, checked by
   * `parseSimulationFile`; `undefined` → all rows); random: the count (`undefined` → from
   * particle_conc or occupancy, spec §2.3); grid: the count (spec §2.3 does not say what
   * `undefined` means; nx·ny·nz is the natural reading).
   */
  num_particles?: number;
  /** Where random particles go. Required for random. */
  where?: ParticleWhere;
  /** Random: particles per µm³ (volume) or µm² (surface/top/bottom), 0 … 1e6. */
  particle_conc?: number;
  /**
   * Random: volume or area fraction, 0 … 100 (used if neither num_particles nor particle_conc is set).
   * For random, at least one of num_particles, particle_conc, occupancy is set.
   */
  occupancy?: number;
  /** Grid size along x, 1 … 1000. Default 1. */
  nx: number;
  /** Grid size along y, 1 … 1000. Default 1. */
  ny: number;
  /** Grid size along z, 1 … 1000. Default 1. */
  nz: number;
  /** Grid spacing, nm, 0 … 1e4. Required for grid. */
  particle_dist?: number;
  /** Grid offset x, nm. Default 0. */
  offset_x: number;
  /** Grid offset y, nm. Default 0. */
  offset_y: number;
  /** Grid offset z, nm. Default 0. */
  offset_z: number;
}

/** Kind of geometry errors. */
export type GeomErrorsKind = "none" | "random" | "file";
/** `tiltseries`: the sample is tilted; `single_particle`: only particle orientations rotate. */
export type TiltMode = "tiltseries" | "single_particle";

/** `=== geometry ===`. */
export interface GeometryParameters extends ComponentBase {
  /** yes: single-axis series from ntilts/theta_start/theta_incr/tilt_axis; no: geom_file_in. Required. */
  gen_tilt_data: boolean;
  /**
   * Number of tilts, 1 … 1e6. Required when gen_tilt_data = yes. Otherwise optional:
   * `undefined` → the number of rows of geom_file_in (≤ rows, checked by `parseSimulationFile`).
   */
  ntilts?: number;
  /** Tilt axis, deg from the x axis. Default 0. ψ = −tilt_axis, φ = +tilt_axis. */
  tilt_axis: number;
  /** First tilt angle θ₀, deg. Required when gen_tilt_data = yes. */
  theta_start?: number;
  /** Tilt increment, deg (θᵢ = θ₀ + i·incr). Required when gen_tilt_data = yes. */
  theta_incr?: number;
  /** Default tiltseries. */
  tilt_mode: TiltMode;
  /** Tilt angles ψ θ φ (deg) per tilt (absolute path). Required when gen_tilt_data = no. */
  geom_file_in?: string;
  /** Output of the tilt angles (absolute path). */
  geom_file_out?: string;
  /** Geometry errors. Required. */
  geom_errors: GeomErrorsKind;
  /** SD of the tilt-angle error τ, deg, ≥ 0. Default 0. */
  tilt_err: number;
  /** SD of the in-plane rotation error ρ, deg, ≥ 0. Default 0. */
  align_err_rot: number;
  /** Translation error, nm, ≥ 0 (x0 and y0 each SD = align_err_tr/√2). Default 0. */
  align_err_tr: number;
  /** Errors ρ α τ (deg) x0 y0 (nm) per tilt (absolute path). Required when geom_errors = file. */
  error_file_in?: string;
  /** Output of the errors (absolute path). */
  error_file_out?: string;
}

/** `=== electronbeam ===`. */
export interface ElectronBeamParameters extends ComponentBase {
  /** Acceleration voltage, kV, 1 … 1e4. Required. */
  acc_voltage: number;
  /** Energy spread, eV, ≥ 0. Required. */
  energy_spread: number;
  /** yes: dose from total_dose / dose_per_im; no: dose_file_in. Required. */
  gen_dose: boolean;
  /**
   * Total dose over the series, e/nm², ≥ 0. If given, it wins over dose_per_im (dose per image =
   * total/ntilts). With gen_dose = yes, at least one of total_dose and dose_per_im is set.
   */
  total_dose?: number;
  /** Dose per image, e/nm², ≥ 0. */
  dose_per_im?: number;
  /** Relative SD of the dose per image, 0 … 1. Default 0. dose_i = max(0, avg·N(1, sd)). */
  dose_sd: number;
  /** Dose per tilt, e/nm² (absolute path; 1 column). Required when gen_dose = no. */
  dose_file_in?: string;
  /** Output of the doses (absolute path). */
  dose_file_out?: string;
}

/** `=== optics ===`. */
export interface OpticsParameters extends ComponentBase {
  /** Magnification, ≥ 1. Required. */
  magnification: number;
  /** yes: defocus from defocus_nominal and the errors; no: defocus_file_in. Required. */
  gen_defocus: boolean;
  /** Nominal defocus, µm, positive = underfocus. Required when gen_defocus = yes. */
  defocus_nominal?: number;
  /** SD of the systematic defocus error, µm. Default 0. */
  defocus_syst_error: number;
  /** SD of the per-image defocus error, µm. Default 0. */
  defocus_nonsyst_error: number;
  /** Defocus per tilt, µm (absolute path; 1 column). Required when gen_defocus = no. */
  defocus_file_in?: string;
  /** Output of the defocus values (absolute path). */
  defocus_file_out?: string;
  /** Spherical aberration, mm. Required. */
  cs: number;
  /** Chromatic aberration, mm. Required. */
  cc: number;
  /** Diameter of the objective aperture, µm, ≥ 0. Required. */
  aperture: number;
  /** Focal length of the objective lens, mm, ≥ 0.01. Required. */
  focal_length: number;
  /** Condenser aperture angle, mrad, ≥ 0. Required. */
  cond_ap_angle: number;
}

/** Axis order of the written image: `xy` (x fastest) or `yx` (transposed). */
export type ImageAxisOrder = "xy" | "yx";

/** `=== detector ===` (repeatable). */
export interface DetectorParameters extends ComponentBase {
  /** Detector pixels along x, 1 … 1e4. Required. */
  det_pix_x: number;
  /** Detector pixels along y, 1 … 1e4. Required. */
  det_pix_y: number;
  /** Pixels added on each side for the internal FFTs, 0 … 1000. Default 20. */
  padding: number;
  /** Physical pixel size, µm, 0.01 … 1000. Required. Specimen pixel = pixel_size/magnification. */
  pixel_size: number;
  /** Counts per electron, ≥ 0. Required. */
  gain: number;
  /** Detector quantum efficiency, 0.01 … 1. Required (even when use_quantization = no). */
  dqe: number;
  /** Poisson/DQE noise. Required. */
  use_quantization: boolean;
  /** MTF parameter a, 0 … 1. Required. (a + b + c > 0 is checked.) */
  mtf_a: number;
  /** MTF parameter b, 0 … 1. Required. */
  mtf_b: number;
  /** MTF parameter c, 0 … 1. Required. */
  mtf_c: number;
  /** MTF parameter α, (cycles/pixel)⁻², ≥ 0. Required. */
  mtf_alpha: number;
  /** MTF parameter β, (cycles/pixel)⁻², ≥ 0. Required. */
  mtf_beta: number;
  /** MTF exponent p, 0 … 10. Default 1. */
  mtf_p: number;
  /** MTF exponent q, 0 … 10. Default 1. */
  mtf_q: number;
  /** Output tilt series (absolute path). Required. */
  image_file_out: string;
  /** Default mrc. */
  image_file_format: MapFileFormat;
  /** Default xy. */
  image_axis_order: ImageAxisOrder;
  /** Default native. */
  image_file_byte_order: ByteOrder;
}

/** `=== volume ===` (repeatable). */
export interface VolumeParameters extends ComponentBase {
  /** Voxel size, nm, 0.01 … 10. Required. */
  voxel_size: number;
  /** Voxels along x, 1 … 1000. Required. */
  nx: number;
  /** Voxels along y, 1 … 1000. Required. */
  ny: number;
  /** Voxels along z, 1 … 1000. Required. */
  nz: number;
  /** Box centre x, nm. Default 0. */
  offset_x: number;
  /** Box centre y, nm. Default 0. */
  offset_y: number;
  /** Box centre z, nm. Default 0. */
  offset_z: number;
  /** Output of the real potential (absolute path). Required. */
  map_file_re_out: string;
  /** Output of the imaginary potential (absolute path); it is computed only if set. */
  map_file_im_out?: string;
  /** Default mrc. */
  map_file_format: MapFileFormat;
  /** Default xyz. */
  map_axis_order: MapAxisOrder;
  /** Default native. */
  map_file_byte_order: ByteOrder;
}

/**
 * A whole input file. Components the run uses are complete (all required parameters set):
 * - generate_micrographs: sample, geometry, electronbeam, optics, detectors (≥ 1), particlesets and
 *   the particles they name;
 * - generate_volumes: sample, volumes (≥ 1), particlesets and their particles, and electronbeam when
 *   a volume has map_file_im_out or a used pdb particle has use_imag_pot = yes;
 * - generate_particle_maps: every particle, and electronbeam when a pdb particle has use_imag_pot = yes.
 * Components the run does not use are still checked for syntax, types and ranges of what is given,
 * but may lack required parameters (`undefined` at run time despite the type: don't use them).
 */
export interface SimulationInput {
  /** The simulation component (always present; defaults if the file has none). */
  simulation: SimulationParameters;
  /** The sample, if given. */
  sample?: SampleParameters;
  /** The geometry, if given. */
  geometry?: GeometryParameters;
  /** The electron beam, if given. */
  electronbeam?: ElectronBeamParameters;
  /** The optics, if given. */
  optics?: OpticsParameters;
  /** Detectors in input order. */
  detectors: DetectorParameters[];
  /** Particles in input order (names distinct; `""` for an unnamed one). */
  particles: ParticleParameters[];
  /** Particle sets in input order. */
  particlesets: ParticleSetParameters[];
  /** Volumes in input order. */
  volumes: VolumeParameters[];
  /** Absolute path of the input file. */
  sourceFile: string;
  /** The input file's name as the user gave it (for messages and the log). */
  fileName: string;
  /** Absolute folder that relative paths were resolved against (the input file's folder). */
  baseDir: string;
  /** Non-fatal remarks (e.g. a parameter given twice), one line each, to echo to the log. */
  warnings: string[];
}

/** The component types of an input file, in the order the log file lists them. */
export type ComponentType =
  | "simulation"
  | "detector"
  | "electronbeam"
  | "geometry"
  | "optics"
  | "particle"
  | "particleset"
  | "sample"
  | "volume";

/** One particle position and orientation (a row of a coordinate table, spec §2.1). */
export interface ParticleCoordinate {
  /** Position of the map centre in the sample frame, nm. */
  x: number;
  /** nm. */
  y: number;
  /** nm. */
  z: number;
  /** First Euler angle (about z), deg. R_p = Rz(psi)·Rx(theta)·Rz(phi) (spec §2.2). 0 for 3-column files. */
  phi: number;
  /** Second Euler angle (about x), deg. */
  theta: number;
  /** Third Euler angle (about z), deg. */
  psi: number;
}

/** A numeric text table of spec §1.3: `m n` header, then m rows of n numbers. */
export interface TextTable {
  /** Declared number of columns n; every row has exactly n numbers (extra tokens dropped). */
  columns: number;
  /** The rows (declared count m). */
  rows: number[][];
  /** 1-based file line of each row. */
  rowLines: number[];
}

/** Tilt angles of one image (geom_file_in / geom_file_out row), deg. */
export interface TiltAngles {
  /** ψ (first column), deg. */
  psi: number;
  /** θ, the tilt angle, deg. */
  theta: number;
  /** φ, deg. */
  phi: number;
}

/** Geometry errors of one image (error_file_in / error_file_out row). */
export interface GeometryError {
  /** In-plane rotation error ρ, deg. */
  rot: number;
  /** Direction α of the tilt-error axis, deg. */
  axis: number;
  /** Tilt-angle error τ, deg. */
  ang: number;
  /** Translation error x0, nm. */
  x: number;
  /** Translation error y0, nm. */
  y: number;
}

/**
 * One transformation of a PDB model (a row of a 6-column pdb_transf_file_in, or 3 rows of a
 * 4-column one).
 */
export type PdbTransform =
  | {
    /** tx ty tz (Å) and ZXZ Euler angles φ θ ψ (deg), built as in spec §2.2. */
    kind: "euler";
    /** Translation, Å. */
    translation: [number, number, number];
    /** deg. */
    phi: number;
    /** deg. */
    theta: number;
    /** deg. */
    psi: number;
  }
  | {
    /** A 3×4 matrix [R | t] (t in Å). */
    kind: "matrix";
    /** Row-major 3×4: [r00, r01, r02, t0, r10, …, t2]. */
    matrix: number[];
  };
