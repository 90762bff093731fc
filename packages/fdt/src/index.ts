/**
 * @initkit/fdt: flattened device trees (.dtb) read, edited and written exactly as dtc and libfdt do.
 * Isomorphic: Uint8Array in and out, nothing from `node:`.
 */
export { FdtBlob, type FdtBlobOptions, type FdtBlobProperty } from './blob-rw.js';
export { type ChosenValues, getChosen, type SetChosenOptions, setChosen, setChosenInBlob } from './chosen.js';
export { formatDts, formatValue } from './dts.js';
export { addNode, createNode, deleteNode, deleteProperty, ensureNode, setProperty } from './edit.js';
export { FDT_ERROR_CODES, type FdtErrorCode } from './errors.js';
export {
  type FdtJson,
  type FdtNodeJson,
  type FdtPropertyJson,
  type FdtValueJson,
  fdtToJson,
  propertyToJson,
  valueToJson,
} from './json.js';
export { type FdtValueKind, formatValueKind } from './kind.js';
export { setPropertyLikeLibfdt } from './libfdt-padding.js';
export { DEFAULT_FDT_LIMITS, type FdtLimits } from './limits.js';
export { createFdt, type Fdt, type FdtNode, type FdtProperty, type FdtReservation } from './model.js';
export { type FdtHeader, parseFdt, parseFdtHeader } from './parse.js';
export {
  childIndex,
  type FdtNodeLocation,
  findNode,
  findNodeByPhandle,
  getNode,
  locateNode,
  nodePhandle,
  resolveAlias,
  walkNodes,
} from './path.js';
export { findProperty } from './property.js';
export { cellSizes, decodeReg, type FdtRegion, memoryRanges } from './reg.js';
export { type FdtLayout, fdtLayout, type SerializeFdtOptions, serializeFdt } from './serialize.js';
export {
  cellsToBigInt,
  decodeStringList,
  decodeU32Cells,
  encodeString,
  encodeStringList,
  encodeU32,
  encodeU64,
  getBytes,
  getCells,
  getString,
  getStringList,
  getU32,
  getU64,
} from './values.js';
