/**
 * Logging for a boot-time service: when stderr is the journal (systemd sets JOURNAL_STREAM to its
 * device:inode), each line carries a syslog priority prefix (<3> error ... <7> debug) that journald
 * stores as the entry's priority; otherwise plain lines, with a progress bar on a TTY (NO_COLOR
 * respected: the bar uses no colour anyway).
 */
import { fstatSync } from 'node:fs';

export type Level = 'error' | 'warning' | 'notice' | 'info' | 'debug';

const PRIORITY: Record<Level, number> = { error: 3, warning: 4, notice: 5, info: 6, debug: 7 };

export interface Logger {
  log(level: Level, message: string): void;
  error(message: string): void;
  warning(message: string): void;
  notice(message: string): void;
  info(message: string): void;
  debug(message: string): void;
  /** A progress display for a transfer of `total` bytes (unknown: undefined); no-op unless on a TTY. */
  progress(label: string): (done: number, total: number | undefined) => void;
  /** Ends a progress display (clears the line). */
  endProgress(): void;
}

/** True when fd 2 is the journal stream systemd announced. */
export function stderrIsJournal(env: NodeJS.ProcessEnv = process.env): boolean {
  const stream = env.JOURNAL_STREAM;
  if (!stream) return false;
  const [device, inode] = stream.split(':');
  try {
    const stat = fstatSync(2, { bigint: true });
    return String(stat.dev) === device && String(stat.ino) === inode;
  } catch {
    return false;
  }
}

export interface LoggerOptions {
  write?: (text: string) => void;
  journal?: boolean;
  tty?: boolean;
  verbose?: boolean;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((text: string) => process.stderr.write(text));
  const journal = options.journal ?? stderrIsJournal();
  const tty = !journal && (options.tty ?? process.stderr.isTTY === true);
  let barShown = false;
  const clearBar = () => {
    if (barShown) write('\r\x1b[K');
    barShown = false;
  };
  const log = (level: Level, message: string) => {
    if (level === 'debug' && !options.verbose) return;
    clearBar();
    for (const line of message.split('\n')) {
      if (journal) write(`<${PRIORITY[level]}>${line}\n`);
      else write(level === 'error' || level === 'warning' ? `${level}: ${line}\n` : `${line}\n`);
    }
  };
  return {
    log,
    error: (message) => log('error', message),
    warning: (message) => log('warning', message),
    notice: (message) => log('notice', message),
    info: (message) => log('info', message),
    debug: (message) => log('debug', message),
    progress(label) {
      if (!tty) return () => {};
      let last = 0;
      return (done, total) => {
        const now = Date.now();
        if (now - last < 100 && done !== total) return;
        last = now;
        const width = 30;
        const fraction = total ? Math.min(1, done / total) : 0;
        const bar = total
          ? `[${'#'.repeat(Math.round(fraction * width)).padEnd(width, '.')}] ${Math.round(fraction * 100)}%`
          : '';
        write(`\r\x1b[K${label} ${bar} ${formatBytes(done)}${total ? ` of ${formatBytes(total)}` : ''}`);
        barShown = true;
      };
    },
    endProgress: clearBar,
  };
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}
