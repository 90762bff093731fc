/**
 * The device tree as plain data: what parseFdt returns, what the edit functions change and what
 * serializeFdt writes. Properties and children are arrays in blob order, because order is meaningful
 * to dtc and libfdt (a new property or node goes first; output follows the arrays).
 */

export interface FdtProperty {
  /** The property name, one character per byte (Latin-1), as in the strings block. */
  name: string;
  /** The raw value. After parseFdt it is a view into the parsed bytes (not a copy). */
  value: Uint8Array;
  /**
   * The bytes between the value's end and the next 4-byte boundary, present only when they are not all
   * zero. libfdt's fdt_setprop leaves stale bytes there (fdtput writes them out); serializeFdt writes
   * them back so such blobs round-trip exactly. setProperty drops it (zeros, as dtc writes).
   */
  padding?: Uint8Array;
}

export interface FdtNode {
  /** The node name with its unit address ("memory@80000000"); "" for the root. */
  name: string;
  properties: FdtProperty[];
  children: FdtNode[];
}

/** One /memreserve/ entry of the memory reservation block. */
export interface FdtReservation {
  address: bigint;
  size: bigint;
}

export interface Fdt {
  /** Header version of the parsed blob (16 or 17); serializeFdt always writes 17, as dtc and libfdt do. */
  version: number;
  lastCompatibleVersion: number;
  /** The header's boot_cpuid_phys, written back unchanged. */
  bootCpuidPhys: number;
  reservations: FdtReservation[];
  root: FdtNode;
  /**
   * The strings block as read. serializeFdt reuses it as libfdt does (names of deleted properties stay,
   * new names are appended), so an edit then a write equals fdtput. Remove it (or pass
   * `{ strings: 'rebuild' }`) to get the table dtc would build from the tree alone.
   */
  strings?: Uint8Array;
}

/** An empty tree: version 17, no reservations, an empty root. */
export function createFdt(): Fdt {
  return {
    version: 17,
    lastCompatibleVersion: 16,
    bootCpuidPhys: 0,
    reservations: [],
    root: { name: '', properties: [], children: [] },
  };
}
