/**
 * @initkit/cpio/node: Node-only helpers.
 */
export {};
