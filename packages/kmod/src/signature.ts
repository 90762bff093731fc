/**
 * The signature the kernel's sign-file appends to a module: [signer][key id][signature]
 * [struct module_signature (12 bytes)]["~Module signature appended~\n"]. For PKCS#7 signatures (what
 * every current kernel uses) the signer's common name, the key serial number, the digest algorithm and
 * the signature bytes come from the DER SignerInfo, as modinfo shows them.
 */
import { type DerElement, derChildren, derChildrenOf, derOid } from './der.js';
import { kmodError } from './errors.js';

export const SIGNATURE_MAGIC = '~Module signature appended~\n';
const MAGIC_BYTES = new TextEncoder().encode(SIGNATURE_MAGIC);
const INFO_SIZE = 12;

const KEY_ALGORITHMS = ['DSA', 'RSA'];
const HASH_ALGORITHMS = ['md4', 'md5', 'sha1', 'rmd160', 'sha256', 'sha384', 'sha512', 'sha224', 'sm3'];
const ID_TYPES = ['PGP', 'X509', 'PKCS#7'];
const PKEY_ID_PKCS7 = 2;

const HASH_OIDS: Record<string, string> = {
  '1.2.840.113549.2.4': 'md4',
  '1.2.840.113549.2.5': 'md5',
  '1.3.14.3.2.26': 'sha1',
  '1.3.36.3.2.1': 'rmd160',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '1.2.156.10197.1.401': 'sm3',
};
const COMMON_NAME_OID = '2.5.4.3';

export interface ModuleSignature {
  /** "PKCS#7" (current kernels), "X509" or "PGP". */
  idType: string;
  /** The signing key's issuer common name (PKCS#7) or the signer name stored before the key id. */
  signer: string;
  /** The key identifier: the certificate serial number for PKCS#7. */
  keyId: Uint8Array;
  /** "sha256", "sha512", ...; "unknown" when the digest algorithm is not one the kernel names. */
  hashAlgorithm: string;
  /** "RSA" or "DSA" from the info block (PKCS#7 keeps the real algorithm inside the DER). */
  keyAlgorithm: string;
  /** The signature bytes (the PKCS#7 encryptedDigest). */
  signature: Uint8Array;
  /** Length of the module without the appended signature: the bytes that were signed. */
  moduleLength: number;
}

/** Whether `bytes` ends with the appended-signature magic. */
export function hasModuleSignature(bytes: Uint8Array): boolean {
  if (bytes.length < MAGIC_BYTES.length) return false;
  const start = bytes.length - MAGIC_BYTES.length;
  for (let i = 0; i < MAGIC_BYTES.length; i++) if (bytes[start + i] !== MAGIC_BYTES[i]) return false;
  return true;
}

/**
 * The appended signature of a module, or undefined when it has none. A signature whose info block
 * names an unknown algorithm, or whose lengths do not fit the file, is ignored as libkmod ignores it;
 * a PKCS#7 blob that is not valid DER throws KMOD_SIGNATURE_CORRUPT.
 */
export function readModuleSignature(bytes: Uint8Array): ModuleSignature | undefined {
  if (!hasModuleSignature(bytes)) return undefined;
  let size = bytes.length - MAGIC_BYTES.length;
  if (size < INFO_SIZE) return undefined;
  size -= INFO_SIZE;
  const algo = bytes[size]!;
  const hash = bytes[size + 1]!;
  const idType = bytes[size + 2]!;
  const signerLength = bytes[size + 3]!;
  const keyIdLength = bytes[size + 4]!;
  const signatureLength = new DataView(bytes.buffer, bytes.byteOffset + size + 8, 4).getUint32(0, false);
  if (algo >= KEY_ALGORITHMS.length || hash >= HASH_ALGORITHMS.length || idType >= ID_TYPES.length) return undefined;
  if (signatureLength === 0 || size < signerLength + keyIdLength + signatureLength) return undefined;
  const signatureStart = size - signatureLength;
  const moduleLength = signatureStart - keyIdLength - signerLength;
  if (idType === PKEY_ID_PKCS7) {
    return {
      ...readPkcs7(bytes.subarray(signatureStart, size), signatureStart),
      moduleLength,
      keyAlgorithm: KEY_ALGORITHMS[algo]!,
    };
  }
  const keyIdStart = signatureStart - keyIdLength;
  return {
    idType: ID_TYPES[idType]!,
    signer: decodeText(bytes.subarray(keyIdStart - signerLength, keyIdStart)),
    keyId: bytes.subarray(keyIdStart, signatureStart),
    hashAlgorithm: HASH_ALGORITHMS[hash]!,
    keyAlgorithm: KEY_ALGORITHMS[algo]!,
    signature: bytes.subarray(signatureStart, size),
    moduleLength,
  };
}

/** ContentInfo { contentType, [0] SignedData { version, digestAlgorithms, contentInfo, [certs], [crls], signerInfos } }. */
function readPkcs7(der: Uint8Array, baseOffset: number): Omit<ModuleSignature, 'moduleLength' | 'keyAlgorithm'> {
  const bad = (message: string, at: number): never => {
    throw kmodError('KMOD_SIGNATURE_CORRUPT', `PKCS#7 signature: ${message}`, { offset: at });
  };
  const [contentInfo] = derChildren(der, baseOffset);
  if (contentInfo?.tag !== 0x30) return bad('expected a ContentInfo SEQUENCE', baseOffset);
  const explicit = derChildrenOf(contentInfo)[1];
  if (explicit?.tag !== 0xa0) return bad('expected [0] SignedData', contentInfo.offset);
  const signedData = derChildrenOf(explicit)[0];
  if (signedData?.tag !== 0x30) return bad('expected a SignedData SEQUENCE', explicit.offset);
  const signerInfos = derChildrenOf(signedData).at(-1);
  if (signerInfos?.tag !== 0x31) return bad('expected the signerInfos SET last', signedData.offset);
  const signerInfo = derChildrenOf(signerInfos)[0];
  if (signerInfo?.tag !== 0x30) return bad('expected a SignerInfo', signerInfos.offset);
  // SignerInfo { version, issuerAndSerialNumber, digestAlgorithm, [0] authenticatedAttributes?,
  //              digestEncryptionAlgorithm, encryptedDigest, [1] unauthenticatedAttributes? }
  const fields = derChildrenOf(signerInfo);
  const issuerAndSerial = fields[1];
  const digestAlgorithm = fields[2];
  if (issuerAndSerial?.tag !== 0x30 || digestAlgorithm?.tag !== 0x30) {
    return bad('SignerInfo lacks issuerAndSerialNumber or digestAlgorithm', signerInfo.offset);
  }
  const encryptedDigest = fields.slice(3).find((field) => field.tag === 0x04);
  if (!encryptedDigest) return bad('SignerInfo has no encryptedDigest OCTET STRING', signerInfo.offset);
  const [issuer, serial] = derChildrenOf(issuerAndSerial);
  if (issuer?.tag !== 0x30 || serial?.tag !== 0x02) return bad('bad issuerAndSerialNumber', issuerAndSerial.offset);
  const digestOid = derChildrenOf(digestAlgorithm)[0];
  return {
    idType: 'PKCS#7',
    signer: commonName(issuer),
    keyId: unsignedInteger(serial.contents),
    hashAlgorithm: (digestOid?.tag === 0x06 && HASH_OIDS[derOid(digestOid.contents)]) || 'unknown',
    signature: encryptedDigest.contents,
  };
}

/**
 * The first commonName attribute of an X.509 Name (a SEQUENCE of SETs of {type, value}). Like libkmod,
 * a name without one yields its last attribute's value.
 */
function commonName(name: DerElement): string {
  let last: DerElement | undefined;
  for (const relativeName of derChildrenOf(name)) {
    for (const attribute of derChildrenOf(relativeName)) {
      const [type, value] = derChildrenOf(attribute);
      if (!value) continue;
      last = value;
      if (type?.tag === 0x06 && derOid(type.contents) === COMMON_NAME_OID) return decodeText(value.contents);
    }
  }
  return last ? decodeText(last.contents) : '';
}

function decodeText(bytes: Uint8Array): string {
  return new TextDecoder('utf-8').decode(bytes);
}

/** An INTEGER's magnitude without the leading zero byte DER adds to keep it positive. */
function unsignedInteger(contents: Uint8Array): Uint8Array {
  let start = 0;
  while (start < contents.length && contents[start] === 0) start++;
  return contents.subarray(start);
}

/** Formats bytes as modinfo does: "01:AB:..." with a line break and two tabs after every 20 bytes. */
export function formatSignatureHex(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i++) {
    text += bytes[i]!.toString(16).toUpperCase().padStart(2, '0');
    if (i < bytes.length - 1) {
      text += ':';
      if ((i + 1) % 20 === 0) text += '\n\t\t';
    }
  }
  return text;
}
