/**
 * apt-get options for a private apt state under a cache directory: its own sources list, lists and
 * archive cache, no dpkg status and no lock, so the harnesses fetch Debian packages (any architecture)
 * and source packages without touching the machine's apt configuration.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Writes `sources` as the sources list under `aptDir` and returns the options that point apt-get at it;
 * `architecture` sets the one architecture to fetch for (the machine's own when not given).
 */
export function privateAptOptions(aptDir: string, sources: readonly string[], architecture?: string): string[] {
  const sourceList = join(aptDir, 'sources.list');
  const emptyParts = join(aptDir, 'sources.list.d');
  mkdirSync(join(aptDir, 'lists', 'partial'), { recursive: true });
  mkdirSync(join(aptDir, 'cache', 'archives', 'partial'), { recursive: true });
  mkdirSync(emptyParts, { recursive: true });
  writeFileSync(sourceList, `${sources.join('\n')}\n`);
  return [
    ...(architecture ? [`-oAPT::Architecture=${architecture}`, `-oAPT::Architectures::=${architecture}`] : []),
    `-oDir::Etc::SourceList=${sourceList}`,
    `-oDir::Etc::SourceParts=${emptyParts}`,
    `-oDir::State::Lists=${join(aptDir, 'lists')}`,
    `-oDir::Cache=${join(aptDir, 'cache')}`,
    '-oDir::State::status=/dev/null',
    '-oAcquire::Languages=none',
    '-oAcquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false',
    '-oAPT::Sandbox::User=root',
    '-oDebug::NoLocking=1',
    '-q',
  ];
}
