/**
 * Just enough DER (ASN.1 distinguished encoding) to walk a PKCS#7 module signature: read one
 * tag-length-value at a time, with every length checked against the enclosing element.
 */
import { kmodError } from './errors.js';

export interface DerElement {
  /** The identifier octet: 0x30 SEQUENCE, 0x31 SET, 0x02 INTEGER, 0x04 OCTET STRING, 0x06 OID, 0xa0 [0] ... */
  tag: number;
  /** Offset of the contents in the whole input. */
  offset: number;
  contents: Uint8Array;
}

/** The elements directly inside `bytes` (a constructed element's contents), in order. */
export function derChildren(bytes: Uint8Array, baseOffset = 0): DerElement[] {
  const children: DerElement[] = [];
  let position = 0;
  while (position < bytes.length) {
    const element = readElement(bytes, position, baseOffset);
    children.push(element.element);
    position = element.next;
  }
  return children;
}

/** The children of a constructed element. */
export function derChildrenOf(element: DerElement): DerElement[] {
  return derChildren(element.contents, element.offset);
}

function readElement(bytes: Uint8Array, start: number, baseOffset: number): { element: DerElement; next: number } {
  const fail = (message: string): never => {
    throw kmodError('KMOD_SIGNATURE_CORRUPT', message, { offset: baseOffset + start });
  };
  if (start + 2 > bytes.length) fail('DER element header is truncated');
  const tag = bytes[start]!;
  if ((tag & 0x1f) === 0x1f) fail(`DER tag 0x${tag.toString(16)} uses the multi-byte form, not used in signatures`);
  let length = bytes[start + 1]!;
  let position = start + 2;
  if (length & 0x80) {
    const lengthBytes = length & 0x7f;
    if (lengthBytes === 0 || lengthBytes > 4) fail(`DER length uses ${lengthBytes} bytes; expected 1 to 4`);
    if (position + lengthBytes > bytes.length) fail('DER length is truncated');
    length = 0;
    for (let i = 0; i < lengthBytes; i++) length = length * 256 + bytes[position++]!;
  }
  if (position + length > bytes.length) {
    fail(`DER element of ${length} bytes runs past its container (${bytes.length - position} bytes left)`);
  }
  return {
    element: { tag, offset: baseOffset + position, contents: bytes.subarray(position, position + length) },
    next: position + length,
  };
}

/** An OBJECT IDENTIFIER's dotted form, e.g. "2.16.840.1.101.3.4.2.1". */
export function derOid(contents: Uint8Array): string {
  if (contents.length === 0) return '';
  const first = contents[0]!;
  const parts: number[] = first < 80 ? [Math.floor(first / 40), first % 40] : [2, first - 80];
  let value = 0;
  for (let i = 1; i < contents.length; i++) {
    const byte = contents[i]!;
    value = value * 128 + (byte & 0x7f);
    if (!(byte & 0x80)) {
      parts.push(value);
      value = 0;
    }
  }
  return parts.join('.');
}
