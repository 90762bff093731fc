import { packageBuild } from '../../tsup.config.base';

export default packageBuild(['src/index.ts', 'src/node.ts'], { external: ['koffi'] });
