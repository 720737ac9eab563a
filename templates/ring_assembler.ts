/**
 * An example assembler written outside ets (the guide: docs/assemblers.md). Use it with
 * `assembler: ./ring_assembler.ts` (see ring_config.yaml): at every position of the coordinate
 * template it builds a ring of `copies` subunits (the config's `model`) of radius `radius_nm`,
 * the ring's axis pointing anywhere (uniform over the sphere), each subunit turned to follow the
 * ring. It sends no Chimera commands: the model is imaged as it is, once per subunit.
 *
 * A module implements the Assembler interface with its default export, a class constructed once
 * per worker with the context (temp folder, model, apix, Chimera client, logger) and the config's
 * `custom_configs`. Only type imports come from ets (they are erased when the module runs).
 */
import type {
  Assembler,
  AssemblerContext,
  ParticleSet,
  TiltSeriesSimulation,
  Triple,
} from "../lib/assemblers/mod.ts";

/** One line for `ets validate`. */
export const summary = "rings of subunits around each template position (example)";
/** No Chimera server pool is needed (the default is true: a pool is started). */
export const usesChimera = false;
/** The config's `model` is the subunit. */
export const requiresModel = true;

/** Checks `custom_configs` before anything runs; returns a one-line problem or undefined. */
export function checkOptions(options: Record<string, unknown>): string | undefined {
  const copies = options.copies ?? 6;
  const radius = options.radius_nm ?? 10;
  if (!Number.isInteger(copies) || (copies as number) < 1 || (copies as number) > 64) {
    return '"copies" must be a whole number from 1 to 64';
  }
  if (typeof radius !== "number" || !(radius > 0)) return '"radius_nm" must be a positive number';
  return undefined;
}

/** Rows of R (ZXZ: R = Rz(psi)·Rx(theta)·Rz(phi)) applied to v. */
function rotate(angles: Triple, v: Triple): Triple {
  const [phi, theta, psi] = angles.map((a) => (a * Math.PI) / 180) as Triple;
  const rz = (a: number, [x, y, z]: Triple): Triple => [
    Math.cos(a) * x - Math.sin(a) * y,
    Math.sin(a) * x + Math.cos(a) * y,
    z,
  ];
  const rx = (a: number, [x, y, z]: Triple): Triple => [
    x,
    Math.cos(a) * y - Math.sin(a) * z,
    Math.sin(a) * y + Math.cos(a) * z,
  ];
  return rz(psi, rx(theta, rz(phi, v)));
}

/** The ring assembler of one worker. */
export default class RingAssembler implements Assembler {
  readonly #context: AssemblerContext;
  readonly #copies: number;
  readonly #radius: number;

  constructor(context: AssemblerContext, options: Record<string, unknown>) {
    this.#context = context;
    this.#copies = (options.copies as number | undefined) ?? 6;
    this.#radius = (options.radius_nm as number | undefined) ?? 10;
  }

  /** Builds the rings of one tilt series and hands them to the simulation. */
  setUpTiltSeries(sim: TiltSeriesSimulation): Promise<void> {
    const model = this.#context.model;
    if (model === undefined) throw new Error('the ring assembler needs "model"');
    const positions = sim.parseCoordinates();
    const set: ParticleSet = {
      name: "RingSubunit",
      source: model,
      key: true,
      coordinates: [],
      orientations: [],
    };
    const axes: Triple[] = [];
    for (const centre of positions.trueCoordinates) {
      // the ring's own frame: a uniformly random rotation (cos theta uniform)
      const ring: Triple = [
        sim.random.uniformIn(0, 360),
        (Math.acos(sim.random.uniformIn(-1, 1)) * 180) / Math.PI,
        sim.random.uniformIn(0, 360),
      ];
      axes.push(rotate(ring, [0, 0, 1]));
      for (let k = 0; k < this.#copies; k++) {
        const angle = (360 * k) / this.#copies;
        const offset = rotate(ring, rotate([angle, 0, 0], [this.#radius, 0, 0]));
        set.coordinates.push([centre[0] + offset[0], centre[1] + offset[1], centre[2] + offset[2]]);
        // the subunit turns with the ring: first about z by its place on the ring, then the ring
        set.orientations.push(this.#compose(ring, angle));
      }
    }
    sim.addParticleSets([set]);
    sim.setCustomData({ ring_axes: axes, copies: this.#copies, radius_nm: this.#radius });
    this.#context.logger.info(`${sim.name}: ${axes.length} rings of ${this.#copies}`);
    return Promise.resolve();
  }

  /** The ZXZ angles of (ring rotation) · Rz(angle). */
  #compose(ring: Triple, angle: number): Triple {
    // Rz(angle) first is the same as adding it to phi in ZXZ.
    return [(ring[0] + angle) % 360, ring[1], ring[2]];
  }

  /** Nothing is written to the temp folder. */
  resetTempDir(): Promise<void> {
    return Promise.resolve();
  }

  /** No Chimera server to release. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
