/**
 * Progress for long work: a redrawn bar when stderr is a TTY; otherwise (a log, a pipe) nothing until
 * the one line `finish` prints at the end. NO_COLOR turns off colour; quiet mode (and --json, which
 * callers map to quiet) prints nothing.
 */
export interface Progress {
  update(done: number, total?: number): void;
  finish(message?: string): void;
}

export interface ProgressOptions {
  quiet?: boolean;
  stream?: NodeJS.WriteStream;
}

export function createProgress(label: string, options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? process.stderr;
  if (options.quiet) return { update() {}, finish() {} };
  const interactive = stream.isTTY === true;
  const colour = interactive && !('NO_COLOR' in process.env) && process.env.TERM !== 'dumb';
  const started = Date.now();
  let lastDraw = 0;
  const line = (done: number, total: number | undefined): string => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const rate = `${formatBytes(done / seconds)}/s`;
    if (!total) return `${label}: ${formatBytes(done)} ${rate}`;
    const fraction = Math.min(done / total, 1);
    const width = 24;
    const filled = Math.round(fraction * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    const shown = colour ? `\x1b[36m${bar}\x1b[0m` : bar;
    return `${label}: [${shown}] ${(fraction * 100).toFixed(0).padStart(3)}% ${formatBytes(done)}/${formatBytes(total)} ${rate}`;
  };

  return {
    update(done, total) {
      // A log gets no line per chunk: only the final one.
      if (!interactive) return;
      const now = Date.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      stream.write(`\r${line(done, total)}\x1b[K`);
    },
    finish(message) {
      if (interactive) stream.write(`\r\x1b[K`);
      if (message) stream.write(`${label}: ${message}\n`);
    },
  };
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}
