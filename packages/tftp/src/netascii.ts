/**
 * Netascii (RFC 764 as used by RFC 1350): on the wire a line ends in CR LF and a bare CR is sent as
 * CR NUL. The encoder and decoder are streaming, so a CR that ends one block and the byte that starts the
 * next are handled the same as inside a block.
 */
const CR = 0x0d;
const LF = 0x0a;

/** Local bytes (LF line ends) to netascii. */
export function encodeNetascii(input: Uint8Array): Uint8Array {
  let extra = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i];
    if (byte === LF || byte === CR) extra++;
  }
  if (extra === 0) return input;
  const output = new Uint8Array(input.length + extra);
  let at = 0;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    if (byte === LF) {
      output[at++] = CR;
      output[at++] = LF;
    } else if (byte === CR) {
      output[at++] = CR;
      output[at++] = 0;
    } else {
      output[at++] = byte;
    }
  }
  return output;
}

/** Netascii to local bytes, one chunk at a time; call `end()` after the last chunk. */
export class NetasciiDecoder {
  private pendingCr = false;

  push(input: Uint8Array): Uint8Array {
    const output = new Uint8Array(input.length + 1);
    let at = 0;
    let i = 0;
    if (this.pendingCr && input.length > 0) {
      this.pendingCr = false;
      const next = input[0]!;
      if (next === LF) {
        output[at++] = LF;
        i = 1;
      } else {
        output[at++] = CR;
        if (next === 0) i = 1;
      }
    }
    for (; i < input.length; i++) {
      const byte = input[i]!;
      if (byte !== CR) {
        output[at++] = byte;
        continue;
      }
      if (i + 1 === input.length) {
        this.pendingCr = true;
        break;
      }
      const next = input[i + 1]!;
      if (next === LF) {
        output[at++] = LF;
        i++;
      } else {
        output[at++] = CR;
        if (next === 0) i++;
      }
    }
    return output.subarray(0, at);
  }

  /** Flushes a CR that ended the input. */
  end(): Uint8Array {
    if (!this.pendingCr) return new Uint8Array(0);
    this.pendingCr = false;
    return Uint8Array.of(CR);
  }
}

/** Netascii to local bytes for a whole buffer. */
export function decodeNetascii(input: Uint8Array): Uint8Array {
  const decoder = new NetasciiDecoder();
  const body = decoder.push(input);
  const tail = decoder.end();
  if (tail.length === 0) return body;
  const output = new Uint8Array(body.length + tail.length);
  output.set(body);
  output.set(tail, body.length);
  return output;
}
