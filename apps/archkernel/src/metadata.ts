/**
 * The kill switch: the instance metadata's tags, read with a bounded timeout and retries (an
 * unreachable metadata server must never hold the boot), in either of Scaleway's formats: JSON
 * (`tags` array) or the KEY=value text of /conf (TAGS=n, TAGS_0=..., values possibly single-quoted).
 */
import { request } from 'node:http';

export interface MetadataResult {
  /** The tags, or undefined when the metadata could not be read. */
  tags: string[] | undefined;
  format: 'json' | 'text' | undefined;
  attempts: number;
  /** Why it could not be read, after the last attempt. */
  error: string | undefined;
}

/** Tags from a metadata body: JSON when it parses as an object, else KEY=value lines. */
export function parseMetadataTags(body: string): { tags: string[]; format: 'json' | 'text' } {
  const trimmed = body.trim();
  if (trimmed.startsWith('{')) {
    const document = JSON.parse(trimmed) as { tags?: unknown };
    const tags = Array.isArray(document.tags)
      ? document.tags.filter((tag): tag is string => typeof tag === 'string')
      : [];
    return { tags, format: 'json' };
  }
  const tags: string[] = [];
  for (const line of trimmed.split('\n')) {
    // Any index: TAGS_0 ... TAGS_12 (the original matched TAGS_[0-9] only).
    const match = /^TAGS_(\d+)=(.*)$/.exec(line.trim());
    if (match) tags.push(unquote(match[2]!));
  }
  return { tags, format: 'text' };
}

/** Shell-style single quotes as the metadata text writes them ('it'\''s' -> it's). */
function unquote(value: string): string {
  if (!value.startsWith("'")) return value;
  return value.replace(/'\\''/g, "'").replace(/^'|'$/g, '');
}

function getOnce(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url, { timeout: timeoutMs, headers: { accept: 'application/json, text/plain' } }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new Error(`HTTP ${res.statusCode}`));
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (body.length > 1 << 20) req.destroy(new Error('the answer is larger than 1 MiB'));
      });
      res.on('end', () => resolve(body));
      res.on('error', reject);
    });
    // The timeout covers the whole exchange, not only socket inactivity.
    const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

export interface MetadataOptions {
  url: string;
  timeoutMs: number;
  retries: number;
  /** Pause between attempts (default 1000 ms). */
  retryDelayMs?: number;
}

export async function readMetadata(options: MetadataOptions): Promise<MetadataResult> {
  let error = '';
  const attempts = options.retries + 1;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const { tags, format } = parseMetadataTags(await getOnce(options.url, options.timeoutMs));
      return { tags, format, attempts: attempt, error: undefined };
    } catch (caught) {
      error = (caught as Error).message;
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs ?? 1000));
    }
  }
  return { tags: undefined, format: undefined, attempts, error };
}
