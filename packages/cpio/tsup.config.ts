import { packageBuild } from '../../tsup.config.base';

// koffi (mknod(2) for device nodes and fifos) is an optional dependency loaded at run time, never bundled.
export default packageBuild(['src/index.ts', 'src/node.ts'], { external: ['koffi'] });
