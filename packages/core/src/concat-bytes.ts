/**
 * Joining byte chunks into one array, written once for every package (a writer's buffered output, an
 * encoder's whole input, test fixtures).
 */

/** The chunks joined into one array; a single chunk is returned as it is (not copied). */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const size = total ?? chunks.reduce((sum, chunk) => sum + chunk.length, 0);
  const joined = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    joined.set(chunk, at);
    at += chunk.length;
  }
  return joined;
}
