/**
 * The voxel grid of a reconstruction: the binned tilt-image grid in x and y, `thickness` along
 * z, and where the sample origin (the tilt axis at the ice centre) lies in it. See
 * docs/reconstruct.md.
 *
 * @module
 */

/** A reconstruction's voxel grid. Voxel (i, j, k) is at sample position ((i, j, k) − centre)·voxel. */
export interface VolumeGrid {
  /** Voxels along x (= binned image width). */
  nx: number;
  /** Voxels along y (= binned image height). */
  ny: number;
  /** Voxels along z (the beam at 0°). */
  nz: number;
  /** Binning of the tilt images. */
  bin: number;
  /** Voxel size, nm (= image pixel size × bin). */
  voxelNm: number;
  /** Voxel index coordinates of the sample origin (the tilt axis at the ice centre). */
  centre: { x: number; y: number; z: number };
}

/**
 * The grid for tilt images of `nx`×`ny` pixels of `apixNm`, binned by `bin` (trailing pixels that
 * do not fill a bin are dropped), `thicknessNm` thick. In x and y the voxels sit on the binned
 * pixels, so the optical axis ((n−1)/2 unbinned) is at ((n−1)/2 − (bin−1)/2)/bin; along z the
 * centre is (nz−1)/2. Needs no permissions.
 */
export function volumeGrid(
  image: { nx: number; ny: number; apixNm: number },
  bin: number,
  thicknessNm: number,
): VolumeGrid {
  const voxelNm = image.apixNm * bin;
  const nz = Math.max(1, Math.round(thicknessNm / voxelNm));
  return {
    nx: Math.floor(image.nx / bin),
    ny: Math.floor(image.ny / bin),
    nz,
    bin,
    voxelNm,
    centre: {
      x: ((image.nx - 1) / 2 - (bin - 1) / 2) / bin,
      y: ((image.ny - 1) / 2 - (bin - 1) / 2) / bin,
      z: (nz - 1) / 2,
    },
  };
}

/** The MRC header origin (Å) that puts the sample origin at 0: −centre·voxel. Needs no permissions. */
export function gridOriginAngst(grid: VolumeGrid): { x: number; y: number; z: number } {
  const v = grid.voxelNm * 10;
  return { x: -grid.centre.x * v, y: -grid.centre.y * v, z: -grid.centre.z * v };
}

/** Sample position (nm) of voxel (i, j, k). Needs no permissions. */
export function voxelToSample(
  grid: VolumeGrid,
  i: number,
  j: number,
  k: number,
): { x: number; y: number; z: number } {
  return {
    x: (i - grid.centre.x) * grid.voxelNm,
    y: (j - grid.centre.y) * grid.voxelNm,
    z: (k - grid.centre.z) * grid.voxelNm,
  };
}

/** Voxel index coordinates (fractional) of a sample position (nm). Needs no permissions. */
export function sampleToVoxel(
  grid: VolumeGrid,
  p: { x: number; y: number; z: number },
): { x: number; y: number; z: number } {
  return {
    x: p.x / grid.voxelNm + grid.centre.x,
    y: p.y / grid.voxelNm + grid.centre.y,
    z: p.z / grid.voxelNm + grid.centre.z,
  };
}

/**
 * Averages `bin`×`bin` blocks of an `nx`×`ny` image into `out` (⌊nx/bin⌋×⌊ny/bin⌋). Needs no
 * permissions.
 */
export function binImage(
  image: Float32Array,
  nx: number,
  ny: number,
  bin: number,
  out: Float32Array,
): void {
  const bx = Math.floor(nx / bin), by = Math.floor(ny / bin);
  if (bin === 1) {
    out.set(image.subarray(0, nx * ny));
    return;
  }
  const scale = 1 / (bin * bin);
  out.fill(0, 0, bx * by);
  for (let y = 0; y < by * bin; y++) {
    const row = y * nx, target = Math.floor(y / bin) * bx;
    for (let x = 0; x < bx * bin; x++) {
      out[target + Math.floor(x / bin)] = out[target + Math.floor(x / bin)]! + image[row + x]!;
    }
  }
  for (let i = 0; i < bx * by; i++) out[i] = out[i]! * scale;
}
