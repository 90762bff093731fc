import { packageBuild } from '../../tsup.config.base';

export default packageBuild(['src/index.ts', 'src/node.ts', 'src/node-depmod.ts']);
