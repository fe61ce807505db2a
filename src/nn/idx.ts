/**
 * The IDX format of the MNIST family (LeCun's "THE MNIST DATABASE" page; Fashion-MNIST uses it
 * unchanged): a 4-byte magic number — two zero bytes, a type code (0x08 = unsigned byte, the only
 * type these data sets use) and the number of dimensions d — then d big-endian 32-bit sizes,
 * then the values row-major. This module parses raw (already decompressed) bytes, so it runs in
 * a browser as well: gunzipping the `.gz` files the datasets ship as needs Node and lives in
 * `igr/node` (src/node/fashion.ts).
 */

/** A parsed IDX file of unsigned bytes. */
export interface IdxArray {
  /** Sizes of the dimensions, e.g. [60000, 28, 28] for images, [60000] for labels. */
  shape: number[];
  /** The values, row-major (a view into the bytes given, not a copy). */
  data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes (type 0x08). Throws an error naming `what` (a file name,
 * say) and the problem: fewer than 4 bytes, a magic number that is not IDX, a type other than
 * unsigned byte, a header cut short, or a size that does not match the bytes present.
 */
export function parseIdx(bytes: Uint8Array, what = 'IDX data'): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new Error(`parseIdx: ${what} must be a Uint8Array of raw (decompressed) bytes`);
  if (bytes.length < 4) throw new Error(`parseIdx: ${what} has ${bytes.length} bytes, fewer than the 4 of an IDX magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gz = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (these are gzip bytes: decompress them first)' : '';
    throw new Error(`parseIdx: ${what} does not start with an IDX magic number (first bytes 0x${hex(bytes[0]!)} 0x${hex(bytes[1]!)}, expected 0x00 0x00)${gz}`);
  }
  if (bytes[2] !== 0x08) throw new Error(`parseIdx: ${what} has IDX type 0x${hex(bytes[2]!)}; only 0x08 (unsigned byte) is supported`);
  const d = bytes[3]!;
  if (d < 1) throw new Error(`parseIdx: ${what} declares 0 dimensions`);
  const header = 4 + 4 * d;
  if (bytes.length < header) throw new Error(`parseIdx: ${what} is cut short: ${bytes.length} bytes, its header of ${d} dimensions needs ${header}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  let count = 1;
  for (let i = 0; i < d; i++) {
    const size = view.getUint32(4 + 4 * i, false);
    shape.push(size);
    count *= size;
  }
  if (bytes.length - header !== count) {
    throw new Error(`parseIdx: ${what} has shape [${shape.join(', ')}] = ${count} values, but ${bytes.length - header} bytes follow its header`);
  }
  return { shape, data: bytes.subarray(header) };
}

function hex(b: number): string {
  return b.toString(16).padStart(2, '0');
}
