/**
 * The parameter tables of TEM-Simulator 1.3 (spec §1.2): per component, every parameter with its
 * type, default and range, in the order TEM-Simulator lists them in its log file.
 *
 * @module
 */
import type { ComponentType } from "./types.ts";

/**
 * Parameter value types: `boolean` (`yes`/`no`), `integer` (decimal integer literal), `real`
 * (decimal literal with optional exponent), `string`, `enum` (one of `values`), `input_file` and
 * `output_file` (paths, resolved against the input file's folder).
 */
export type ParameterType =
  | "boolean"
  | "integer"
  | "real"
  | "string"
  | "enum"
  | "input_file"
  | "output_file";

/** One parameter of a component. */
export interface ParameterSpec {
  /** The parameter name as written in the input file. */
  name: string;
  /** Its value type. */
  type: ParameterType;
  /** Required whenever the component is used (the table's "req"). */
  required?: boolean;
  /** The default applied when the parameter is absent. */
  default?: boolean | number | string;
  /** Smallest allowed value (inclusive), for numbers. */
  min?: number;
  /** Largest allowed value (inclusive), for numbers. */
  max?: number;
  /** Allowed values, for `enum`. */
  values?: readonly string[];
}

const FORMATS = ["mrc", "mrc-int", "raw"] as const;
const BYTE_ORDERS = ["be", "le", "native"] as const;
const AXIS_ORDERS = ["xyz", "xzy", "yxz", "yzx", "zxy", "zyx"] as const;

function b(name: string, extra: Partial<ParameterSpec> = {}): ParameterSpec {
  return { name, type: "boolean", ...extra };
}
function l(name: string, extra: Partial<ParameterSpec> = {}): ParameterSpec {
  return { name, type: "integer", ...extra };
}
function d(name: string, extra: Partial<ParameterSpec> = {}): ParameterSpec {
  return { name, type: "real", ...extra };
}
function e(
  name: string,
  values: readonly string[],
  extra: Partial<ParameterSpec> = {},
): ParameterSpec {
  return { name, type: "enum", values, ...extra };
}
function fin(name: string, extra: Partial<ParameterSpec> = {}): ParameterSpec {
  return { name, type: "input_file", ...extra };
}
function fout(name: string, extra: Partial<ParameterSpec> = {}): ParameterSpec {
  return { name, type: "output_file", ...extra };
}

const REQ = { required: true } as const;

/** Parameter tables per component type, in TEM-Simulator's log order. Needs no permissions. */
export const PARAMETERS: Readonly<Record<ComponentType, readonly ParameterSpec[]>> = {
  simulation: [
    b("generate_micrographs", { default: false }),
    b("generate_volumes", { default: false }),
    b("generate_particle_maps", { default: false }),
    fout("log_file"),
    l("rand_seed", { min: -2147483648, max: 4294967295 }),
  ],
  detector: [
    l("det_pix_x", { ...REQ, min: 1, max: 10000 }),
    l("det_pix_y", { ...REQ, min: 1, max: 10000 }),
    l("padding", { default: 20, min: 0, max: 1000 }),
    d("pixel_size", { ...REQ, min: 0.01, max: 1000 }),
    d("gain", { ...REQ, min: 0 }),
    d("dqe", { ...REQ, min: 0.01, max: 1 }),
    b("use_quantization", REQ),
    d("mtf_a", { ...REQ, min: 0, max: 1 }),
    d("mtf_b", { ...REQ, min: 0, max: 1 }),
    d("mtf_c", { ...REQ, min: 0, max: 1 }),
    d("mtf_alpha", { ...REQ, min: 0 }),
    d("mtf_beta", { ...REQ, min: 0 }),
    d("mtf_p", { default: 1, min: 0, max: 10 }),
    d("mtf_q", { default: 1, min: 0, max: 10 }),
    fout("image_file_out", REQ),
    e("image_file_format", FORMATS, { default: "mrc" }),
    e("image_axis_order", ["xy", "yx"], { default: "xy" }),
    e("image_file_byte_order", BYTE_ORDERS, { default: "native" }),
  ],
  electronbeam: [
    d("acc_voltage", { ...REQ, min: 1, max: 10000 }),
    d("energy_spread", { ...REQ, min: 0 }),
    b("gen_dose", REQ),
    d("total_dose", { min: 0 }),
    d("dose_per_im", { min: 0 }),
    d("dose_sd", { default: 0, min: 0, max: 1 }),
    fin("dose_file_in"),
    fout("dose_file_out"),
  ],
  geometry: [
    l("ntilts", { min: 1, max: 1000000 }),
    b("gen_tilt_data", REQ),
    d("tilt_axis", { default: 0 }),
    d("theta_start"),
    d("theta_incr"),
    e("tilt_mode", ["tiltseries", "single_particle"], { default: "tiltseries" }),
    fin("geom_file_in"),
    fout("geom_file_out"),
    e("geom_errors", ["none", "random", "file"], REQ),
    d("tilt_err", { default: 0, min: 0 }),
    d("align_err_rot", { default: 0, min: 0 }),
    d("align_err_tr", { default: 0, min: 0 }),
    fin("error_file_in"),
    fout("error_file_out"),
  ],
  optics: [
    d("magnification", { ...REQ, min: 1 }),
    b("gen_defocus", REQ),
    d("defocus_nominal"),
    d("defocus_syst_error", { default: 0 }),
    d("defocus_nonsyst_error", { default: 0 }),
    fin("defocus_file_in"),
    fout("defocus_file_out"),
    d("cs", REQ),
    d("cc", REQ),
    d("aperture", { ...REQ, min: 0 }),
    d("focal_length", { ...REQ, min: 0.01 }),
    d("cond_ap_angle", { ...REQ, min: 0 }),
  ],
  particle: [
    d("voxel_size", { min: 0.01, max: 10 }),
    l("nx", { min: 1, max: 1000 }),
    l("ny", { min: 1, max: 1000 }),
    l("nz", { min: 1, max: 1000 }),
    b("use_imag_pot", { default: true }),
    d("famp", { min: 0, max: 1 }),
    b("use_defocus_corr", { default: false }),
    e("source", ["pdb", "map", "random"], REQ),
    fin("pdb_file_in"),
    fin("pdb_transf_file_in"),
    b("add_hydrogen", { default: true }),
    e("map_file_format", FORMATS, { default: "mrc" }),
    e("map_axis_order", AXIS_ORDERS, { default: "xyz" }),
    e("map_file_byte_order", BYTE_ORDERS, { default: "native" }),
    fin("map_file_re_in"),
    fin("map_file_im_in"),
    fout("map_file_re_out"),
    fout("map_file_im_out"),
    d("contrast_re"),
    d("contrast_im"),
    d("smoothness", { min: 0, max: 10 }),
    b("make_positive"),
  ],
  particleset: [
    { name: "particle_type", type: "string", required: true },
    e("particle_coords", ["file", "random", "grid"]),
    b("gen_rand_positions"),
    e("where", ["volume", "surface", "top", "bottom"]),
    l("num_particles", { min: 0, max: 1000000 }),
    d("particle_conc", { min: 0, max: 1000000 }),
    d("occupancy", { min: 0, max: 100 }),
    l("nx", { default: 1, min: 1, max: 1000 }),
    l("ny", { default: 1, min: 1, max: 1000 }),
    l("nz", { default: 1, min: 1, max: 1000 }),
    d("offset_x", { default: 0 }),
    d("offset_y", { default: 0 }),
    d("offset_z", { default: 0 }),
    d("particle_dist", { min: 0, max: 10000 }),
    fin("coord_file_in"),
    fout("coord_file_out"),
  ],
  sample: [
    d("diameter", { ...REQ, min: 0 }),
    d("thickness_center", { ...REQ, min: 0 }),
    d("thickness_edge", { ...REQ, min: 0 }),
    d("offset_x", { default: 0 }),
    d("offset_y", { default: 0 }),
  ],
  volume: [
    d("voxel_size", { ...REQ, min: 0.01, max: 10 }),
    l("nx", { ...REQ, min: 1, max: 1000 }),
    l("ny", { ...REQ, min: 1, max: 1000 }),
    l("nz", { ...REQ, min: 1, max: 1000 }),
    d("offset_x", { default: 0 }),
    d("offset_y", { default: 0 }),
    d("offset_z", { default: 0 }),
    fout("map_file_re_out", REQ),
    fout("map_file_im_out"),
    e("map_file_format", FORMATS, { default: "mrc" }),
    e("map_axis_order", AXIS_ORDERS, { default: "xyz" }),
    e("map_file_byte_order", BYTE_ORDERS, { default: "native" }),
  ],
};

/** The component types in the order the log file lists them. Needs no permissions. */
export const COMPONENT_ORDER: readonly ComponentType[] = [
  "simulation",
  "detector",
  "electronbeam",
  "geometry",
  "optics",
  "particle",
  "particleset",
  "sample",
  "volume",
];

/** Whether `type` names a component type. Needs no permissions. */
export function isComponentType(type: string): type is ComponentType {
  return (COMPONENT_ORDER as readonly string[]).includes(type);
}
