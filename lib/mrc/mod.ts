/**
 * MRC2014 files: decode (modes 0, 1, 2, 6, 12; either byte order; MAPC/MAPR/MAPS; extended headers
 * skipped), read whole or section by section, and write mode-2 files that pass `mrcfile.validate`,
 * atomically, whole or section by section (tilt series with FEI1 tilt angles).
 *
 * Data are always float32, x fastest, then y, then z.
 *
 * @module
 */
export type { MrcHeader, Vec3 } from "./header.ts";
export { decodeMrcHeader, gridOrigin, SUPPORTED_MODES } from "./header.ts";
export type { MrcVolume } from "./decode.ts";
export { decodeMrc } from "./decode.ts";
export type { MrcWriteOptions } from "./encode.ts";
export { encodeMrc } from "./encode.ts";
export { FEI1_BLOCK_BYTES, readTiltAngles } from "./extended_header.ts";
export { readMrc, readMrcHeader, readMrcSections, readMrcTiltAngles } from "./read.ts";
export { MrcSeriesWriter, writeMrc } from "./write.ts";
export { canReheader, reheaderMrcSeries } from "./reheader.ts";
