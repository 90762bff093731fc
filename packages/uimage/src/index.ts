/**
 * @initkit/uimage: U-Boot legacy uImage: parse, validate, build byte-identical to mkimage, list like mkimage -l.
 */
export {};
