/**
 * Shared geometry: 3×3 rotations (row-major matrices, Rodrigues rotations, the engine's ZXZ
 * orientation and tilt rotation) and bounding boxes. The only public door of lib/geometry.
 *
 * @module
 */
export {
  apply3,
  identity3,
  type Mat3,
  type Matrix3Like,
  multiply3,
  multiplyAll3,
  particleRotation,
  rodrigues,
  rotationAbout,
  rotationX,
  rotationY,
  rotationZ,
  type TiltEulerAngles,
  tiltGeometryRotation,
  type TiltRotationError,
  transpose3,
  type Vec3Tuple,
  zxzRotation,
} from "./rotation.ts";
export { type BoundingBox, boundingBox } from "./bounding_box.ts";
