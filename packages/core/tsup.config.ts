import { packageBuild } from '../../tsup.config.base';

export default packageBuild(['src/index.ts', 'src/node.ts', 'src/node/main.ts'], {
  // src/node imports the main entry by name so that Node loads one copy of it (and of InitkitError).
  external: ['@initkit/core'],
});
