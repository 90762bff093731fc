/**
 * @initkit/kmod/node: Node-only helpers.
 */
export {};
