/**
 * @initkit/initramfs: Open, inspect, edit and repack Linux initrds: members, merged tree, modules, /init wrapping, append mode.
 */
export {};
