/**
 * @initkit/kmod: Linux kernel modules: modules.dep and kmod indexes, ELF .modinfo, depmod, dependency closure, kernel version probe.
 */
export {};
