/**
 * What each tilt series of a run will hold, class by class, and how many particle centres lie in
 * view: from the assembler (crowded: its classes) or from the coordinate template (basic,
 * membrane, user assemblers: one particle per template row).
 *
 * @module
 */
import { centreInView, findAssembler, type PlannedClass } from "../assemblers/mod.ts";
import type { GenerateConfig } from "../config/mod.ts";
import { configSampleGeometry } from "./simulation.ts";

/** The planned classes of a config's tilt series. Needs no permissions. */
export function plannedClasses(config: GenerateConfig): PlannedClass[] {
  const geometry = configSampleGeometry(config);
  const definition = findAssembler(config.assembler);
  if (definition?.planClasses !== undefined) {
    return definition.planClasses(config.assemblerOptions, geometry);
  }
  if (config.coordRows.length === 0) return [];
  const inView = config.coordRows.filter((row) =>
    centreInView(geometry, [
      row.position[0] * config.apix,
      row.position[1] * config.apix,
      row.position[2] * config.apix,
    ])
  ).length;
  return [{ name: "template particles", count: config.coordRows.length, inView }];
}

/**
 * The plan's particle lines: the total, then one line per class with the centres in view and a
 * warning when some particles of a template lie outside the image. Needs no permissions.
 */
export function particleLines(config: GenerateConfig): string[] {
  const classes = plannedClasses(config);
  const total = classes.reduce((n, c) => n + c.count, 0);
  const inView = classes.reduce((n, c) => n + c.inView, 0);
  const approximate = classes.some((c) => c.approximate);
  const fiducials = config.beadMap === undefined
    ? ", no fiducials"
    : `, fiducials (occupancy ${config.beadOccupancy}; placed by the engine, in view or not)`;
  const lines = [
    `  particles:       ${total} per stack, ${
      approximate ? "~" : ""
    }${inView} with their centre in view, assembler "${config.assembler}"${fiducials}`,
  ];
  const width = Math.max(8, ...classes.map((c) => c.name.length));
  const { nx, ny } = config.simFacts.detector;
  for (const c of classes) {
    const outside = c.approximate || c.inView >= c.count
      ? ""
      : ` (WARNING: ${
        c.count - c.inView
      } outside the ${nx}x${ny} px image: in_view 0 in the tables)`;
    lines.push(
      `    ${c.name.padEnd(width)}  ${String(c.count).padStart(6)} per stack, ${
        c.approximate ? "~" : ""
      }${c.inView} in view${outside}`,
    );
  }
  return lines;
}
