/**
 * Types of the ground-truth writer: what the orchestrator hands over per stack and what it gets
 * back. Frames and angle conventions are documented in docs/conventions.md.
 *
 * @module
 */

/** A point in 3-D (units given where used). */
export interface Point3 {
  /** x */
  x: number;
  /** y */
  y: number;
  /** z */
  z: number;
}

/** A point in a tilt image, in 0-based pixel index coordinates (x = column, y = row). */
export interface PixelPoint {
  /** Column coordinate; the centre of pixel i is at i. */
  x: number;
  /** Row coordinate; the centre of pixel j is at j. */
  y: number;
}

/** One particle as placed in the engine's coordinate file (spec §2.1). */
export interface ParticleTruth {
  /** Position in nm, sample frame of the engine (origin: ice centre on the tilt axis). */
  x: number;
  /** nm */
  y: number;
  /** nm */
  z: number;
  /** deg, engine ZXZ: R = Rz(psi)·Rx(theta)·Rz(phi) maps map axes to sample axes. */
  phi: number;
  /** deg */
  theta: number;
  /** deg */
  psi: number;
}

/** All particles of one particle set (one class, e.g. one map or PDB). */
export interface ParticleSetTruth {
  /** Class name, e.g. the particle name or the map's basename. */
  className: string;
  /** The particles, in the order of the coordinate file. */
  particles: ParticleTruth[];
}

/** Paths of the engine's text outputs (spec §4.2); each optional. */
export interface EngineOutputs {
  /** geom_file_out: ψ θ φ per tilt (deg). */
  geomFile?: string;
  /** error_file_out: ρ α τ (deg), x0 y0 (nm) per tilt. */
  errorFile?: string;
  /** dose_file_out: e/nm² per tilt. */
  doseFile?: string;
  /** defocus_file_out: µm per tilt, positive = underfocus. */
  defocusFile?: string;
}

/** Optional optics written to the STAR optics tables. */
export interface OpticsTruth {
  /** Acceleration voltage, kV. */
  voltageKv: number;
  /** Spherical aberration, mm. */
  sphericalAberrationMm: number;
  /** Amplitude contrast fraction (RELION's rlnAmplitudeContrast); default 0.07. */
  amplitudeContrast?: number;
}

/** Everything needed to write one stack's ground truth. */
export interface StackTruthInput {
  /** Folder of the stack (beside its MRCs); files are written here. */
  stackDir: string;
  /** Stack name, e.g. "NAME_3"; used as file prefix and as rlnTomoName. */
  stackName: string;
  /** Specimen pixel size of the tilt images, nm. */
  apixNm: number;
  /** Tilt image size in pixels. */
  detector: { nx: number; ny: number };
  /** Nominal tilt angles (deg), one per tilt image, in stack order. */
  nominalTiltAngles: number[];
  /** The engine's text outputs, read when present. */
  engineOutputs: EngineOutputs;
  /** The particle sets, one class each, in input order (class numbers 1, 2, …). */
  particleSets: ParticleSetTruth[];
  /**
   * Thickness of the notional tomogram (nm) used for RELION 4 pixel coordinates (its z size).
   * Default 200 nm (ETSimulations' ice edge thickness). Pass the sample's thickness_edge.
   */
  tomogramThicknessNm?: number;
  /** Optics for the STAR optics tables (voltage, Cs); omitted columns when absent. */
  optics?: OpticsTruth;
  /** The nominal tilt axis, deg from the image x axis (default 0), for NAME_tomograms.star. */
  tiltAxis?: number;
}

/** Files written for one stack, as paths relative to `stackDir`. */
export interface StackTruthFiles {
  /** NAME.rawtlt: nominal tilt angles, one per line. */
  rawtlt: string;
  /** NAME.tlt: tilt angles as simulated (with tilt errors), one per line. */
  tlt: string;
  /** NAME_tilts.csv: per-tilt angles, alignment errors, dose, defocus, RELION 5 alignment. */
  tiltTable: string;
  /** NAME_particles.csv: every particle of every set, all conventions side by side. */
  particlesCsv: string;
  /** NAME_relion5_particles.star: rlnCenteredCoordinate*Angst, ZYZ angles, class. */
  relion5Star: string;
  /** NAME_relion4_particles.star: rlnCoordinate* in unbinned pixels, ZYZ angles, class. */
  relion4Star: string;
  /** NAME_tomograms.star: RELION 5 tilt-series set (optics, per-tilt alignment and defocus). */
  tomogramsStar: string;
}

/** What writeStackGroundTruth returns. */
export interface StackTruth {
  /** The files written, relative to `stackDir`. */
  files: StackTruthFiles;
  /** The tilt closest to 0° and every particle's predicted pixel there (for the preview). */
  zeroTilt: {
    /** 0-based section index in the stack. */
    section: number;
    /** Nominal angle of that section, deg. */
    angle: number;
    /** Predicted particle centres in that image (all sets, in order); may lie outside. */
    markers: PixelPoint[];
  };
}

/** The simulated geometry of one tilt (engine spec §3.5), all angles in degrees. */
export interface TiltGeometry {
  /** Euler ψ of the tilt rotation (= −tilt_axis for generated series). */
  psi: number;
  /** Tilt angle θ (nominal). */
  theta: number;
  /** Euler φ of the tilt rotation (= +tilt_axis for generated series). */
  phi: number;
  /** In-plane alignment error ρ. */
  rotation: number;
  /** Direction α (from x) of the axis of the tilt error. */
  errorAxis: number;
  /** Tilt error τ about that axis. */
  tiltError: number;
  /** Image shift x0, nm (content moves by +x0). */
  shiftXNm: number;
  /** Image shift y0, nm. */
  shiftYNm: number;
}
