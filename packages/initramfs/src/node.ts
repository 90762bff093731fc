/**
 * @initkit/initramfs/node: Node-only helpers.
 */
export {};
