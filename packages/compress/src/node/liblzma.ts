/**
 * xz and .lzma through the system's liblzma (koffi), for the Node build: every filter liblzma has
 * (the BCJ filters of ARM zImages included), on this thread. liblzma decodes one xz stream at a time;
 * the padding and further streams between them are read here as the TypeScript decoder reads them, so
 * the extent (`consumed`) is the same. lzma_stream holds pointers, so its input and output are native
 * buffers (koffi.alloc), copied into and out of.
 */
import type { InitkitError } from '@initkit/core';
import { type CompressErrorCode, compressError } from '../errors.js';
import { differsFromMagic, type InputQueue } from '../input-queue.js';
import { checkOutput, type OutputLimits } from '../limits.js';
import { eachXzStream } from '../xz/xz.js';
import { type Liblzma, nativeFault } from './native.js';

const XZ_MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00];
const LZMA_RUN = 0;
const LZMA_FINISH = 3;
const LZMA_TELL_UNSUPPORTED_CHECK = 0x02;
const MEMLIMIT_NONE = 2n ** 64n - 1n;
/** lzma_ret values (lzma/base.h). */
const LZMA_OK = 0;
const LZMA_STREAM_END = 1;
const LZMA_UNSUPPORTED_CHECK = 3;
const LZMA_MEM_ERROR = 5;
const LZMA_FORMAT_ERROR = 7;
const LZMA_OPTIONS_ERROR = 8;
const LZMA_DATA_ERROR = 9;
const LZMA_BUF_ERROR = 10;
const INPUT_BUFFER = 1 << 18;
const OUTPUT_BUFFER = 1 << 18;

type Kind = 'xz' | 'lzma';

/** liblzma's error as the TypeScript decoder's code for the same fault (a failed check reads as corrupt). */
function liblzmaError(kind: Kind, ret: number, offset: number): InitkitError {
  return nativeFault(liblzmaErrorCode(kind, ret, offset));
}

function liblzmaErrorCode(kind: Kind, ret: number, offset: number): InitkitError {
  const prefix = kind === 'xz' ? 'XZ' : 'LZMA';
  const code = (suffix: string) => `${prefix}_${suffix}` as CompressErrorCode;
  switch (ret) {
    case LZMA_BUF_ERROR:
      return compressError(code('TRUNCATED'), `${kind} data ends before its stream does (liblzma)`, { offset });
    case LZMA_FORMAT_ERROR:
      return kind === 'xz'
        ? compressError('XZ_BAD_MAGIC', 'not an xz stream (liblzma)', { offset })
        : compressError('LZMA_CORRUPT', '.lzma header is invalid (liblzma)', { offset });
    case LZMA_OPTIONS_ERROR:
    case LZMA_UNSUPPORTED_CHECK:
      return kind === 'xz'
        ? compressError('XZ_UNSUPPORTED', `xz stream uses options liblzma does not decode (lzma_ret ${ret})`, {
            offset,
          })
        : compressError('LZMA_CORRUPT', `.lzma properties are invalid (lzma_ret ${ret})`, { offset });
    case LZMA_MEM_ERROR:
      return compressError('COMPRESS_INTERNAL', 'liblzma could not allocate memory', { offset });
    default:
      return compressError(
        code('CORRUPT'),
        `${kind} data is corrupt or fails its check (liblzma: lzma_ret ${ret}${ret === LZMA_DATA_ERROR ? ', a data error' : ''})`,
        { offset },
      );
  }
}

/** One lzma_stream with its native input and output buffers, freed by end(). */
class LzmaStream {
  private readonly memory: unknown;
  private readonly fields: DataView;
  private readonly input: Uint8Array;
  private readonly output: Uint8Array;
  private readonly inputAddress: bigint;
  private readonly outputAddress: bigint;
  private ended = false;

  constructor(
    private readonly lib: Liblzma,
    readonly kind: Kind,
  ) {
    const { koffi, layout } = lib;
    const head = (layout.size + 63) & ~63;
    const size = head + INPUT_BUFFER + OUTPUT_BUFFER;
    this.memory = koffi.alloc('uint8_t', size);
    const bytes = new Uint8Array(koffi.view(this.memory, size));
    bytes.fill(0, 0, head); // LZMA_STREAM_INIT
    this.fields = new DataView(bytes.buffer, bytes.byteOffset, head);
    this.input = bytes.subarray(head, head + INPUT_BUFFER);
    this.output = bytes.subarray(head + INPUT_BUFFER);
    const base = koffi.address(this.memory);
    this.inputAddress = base + BigInt(head);
    this.outputAddress = this.inputAddress + BigInt(INPUT_BUFFER);
    const ret =
      kind === 'xz'
        ? (lib.streamDecoder(this.memory, MEMLIMIT_NONE, LZMA_TELL_UNSUPPORTED_CHECK) as number)
        : (lib.aloneDecoder(this.memory, MEMLIMIT_NONE) as number);
    if (ret !== LZMA_OK) {
      koffi.free(this.memory);
      this.ended = true;
      throw liblzmaError(kind, ret, 0);
    }
  }

  private setWord(offset: number, value: number | bigint): void {
    if (this.lib.layout.word === 8) this.fields.setBigUint64(offset, BigInt(value), true);
    else this.fields.setUint32(offset, Number(value), true);
  }

  private word(offset: number): number {
    return this.lib.layout.word === 8
      ? Number(this.fields.getBigUint64(offset, true))
      : this.fields.getUint32(offset, true);
  }

  /** Input bytes liblzma has not consumed yet. */
  get pendingInput(): number {
    return this.word(this.lib.layout.availIn);
  }

  /** Copies `bytes` (at most INPUT_BUFFER) in as the next input; call only when pendingInput is 0. */
  give(bytes: Uint8Array): void {
    const count = Math.min(bytes.length, INPUT_BUFFER);
    this.input.set(bytes.subarray(0, count));
    this.setWord(this.lib.layout.nextIn, this.inputAddress);
    this.setWord(this.lib.layout.availIn, count);
  }

  /**
   * One lzma_code call into the empty output buffer: its lzma_ret and what it wrote, copied, or with
   * `inPlace` a view of the native buffer that the next call overwrites (and end() frees).
   */
  code(action: number, inPlace: boolean): { ret: number; output: Uint8Array } {
    const { layout } = this.lib;
    this.setWord(layout.nextOut, this.outputAddress);
    this.setWord(layout.availOut, OUTPUT_BUFFER);
    const ret = this.lib.code(this.memory, action) as number;
    const written = OUTPUT_BUFFER - this.word(layout.availOut);
    const output = inPlace ? this.output.subarray(0, written) : this.output.slice(0, written);
    return { ret, output };
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.lib.end(this.memory);
    this.lib.koffi.free(this.memory);
  }
}

/**
 * The streaming decoder for stream.ts's drivers: xz streams (with the padding and further streams the
 * TypeScript decoder accepts) or one .lzma stream, emitting each output piece (yielding while paused).
 * With `reuse` each piece is a view of liblzma's output buffer, emitted with the queue paused: the
 * next lzma_code call (or the stream's end) comes only once the driver resumes the decoder.
 */
export function* liblzmaStreams(
  lib: Liblzma,
  kind: Kind,
  queue: InputQueue,
  emit: (chunk: Uint8Array) => void,
  limits: OutputLimits,
  reuse = false,
): Generator<void, void, void> {
  const total = { bytes: 0 };
  const decodeOne = () => oneStream(lib, kind, queue, emit, limits, total, reuse);
  // .lzma has one stream; xz's further streams and padding are read as the TypeScript decoder reads them.
  yield* kind === 'lzma' ? decodeOne() : eachXzStream(queue, decodeOne);
}

function* oneStream(
  lib: Liblzma,
  kind: Kind,
  queue: InputQueue,
  emit: (chunk: Uint8Array) => void,
  limits: OutputLimits,
  total: { bytes: number },
  reuse: boolean,
): Generator<void, void, void> {
  if (kind === 'xz' && differsFromMagic(queue.bytes, queue.position, queue.end, XZ_MAGIC)) {
    throw compressError('XZ_BAD_MAGIC', 'not an xz stream', { offset: queue.offset });
  }
  const stream = new LzmaStream(lib, kind);
  try {
    for (;;) {
      if (stream.pendingInput === 0) {
        while (queue.available === 0 && !queue.final) yield;
        stream.give(queue.bytes.subarray(queue.position, queue.end));
      }
      // With no input left and none to come, liblzma answers LZMA_BUF_ERROR at its second call without progress.
      const pending = stream.pendingInput;
      const finishing = queue.final && queue.available === pending;
      const { ret, output } = stream.code(finishing ? LZMA_FINISH : LZMA_RUN, reuse);
      queue.position += pending - stream.pendingInput;
      if (output.length > 0) {
        total.bytes += output.length;
        checkOutput(limits, total.bytes, queue.received, queue.offset);
        emit(output);
        if (reuse) queue.paused = true;
        while (queue.paused) yield;
      }
      if (ret === LZMA_STREAM_END) return;
      if (ret !== LZMA_OK) throw liblzmaError(kind, ret, queue.offset);
    }
  } finally {
    stream.end();
  }
}
