/**
 * Build profiles: the data files (profiles/NAME.profile) that say which kernel modules an initrd needs
 * on one kind of machine, why each is there, and which /init features it needs. One statement a line:
 * `module NAME WHY`, `optional NAME WHY`, `filesystem TYPE`, `init network|nbd`; `#` comments.
 */
import type { InitkitError } from '@initkit/core';
import { initramfsError } from '../errors.js';

/** Something the generated /init does besides mounting a local disk. */
export type InitFeature = 'network' | 'nbd';

const FEATURES: readonly InitFeature[] = ['network', 'nbd'];

export interface ProfileModule {
  /** A module name or alias, resolved against the target kernel's tree. */
  name: string;
  /** Whether a kernel without it is acceptable. */
  optional: boolean;
  /** Why the module is there (the rest of the line). */
  reason: string;
  /** 1-based line in the profile file. */
  line: number;
}

export interface Profile {
  name: string;
  modules: ProfileModule[];
  /** Set when the profile is a root file system: the default rootfstype=. */
  filesystem?: string;
  features: InitFeature[];
}

/** Parses a profile's text; every problem names the profile and the line. */
export function parseProfile(name: string, text: string): Profile {
  const profile: Profile = { name, modules: [], features: [] };
  const lines = text.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [keyword, argument, ...rest] = line.split(/\s+/);
    const where = `profile ${name} line ${index + 1}`;
    if (argument === undefined) throw badLine(where, `"${keyword}" needs an argument`);
    switch (keyword) {
      case 'module':
      case 'optional': {
        const reason = rest.join(' ');
        if (reason === '') throw badLine(where, `${keyword} ${argument} must say why the module is there`);
        profile.modules.push({ name: argument, optional: keyword === 'optional', reason, line: index + 1 });
        break;
      }
      case 'filesystem':
        profile.filesystem = argument;
        break;
      case 'init':
        if (!FEATURES.includes(argument as InitFeature))
          throw badLine(where, `unknown init feature ${argument}; expected ${FEATURES.join(' or ')}`);
        if (!profile.features.includes(argument as InitFeature)) profile.features.push(argument as InitFeature);
        break;
      default:
        throw badLine(where, `unknown statement ${keyword}; expected module, optional, filesystem or init`);
    }
  }
  return profile;
}

function badLine(where: string, message: string): InitkitError {
  return initramfsError('INITRAMFS_BAD_PROFILE', `${where}: ${message}`);
}

/** A profile made of modules asked for on the command line (--add-module). */
export function commandLineProfile(names: readonly string[]): Profile {
  return {
    name: 'command line',
    modules: names.map((name) => ({ name, optional: false, reason: 'asked for with --add-module', line: 0 })),
    features: [],
  };
}
