/**
 * @initkit/bootscript: U-Boot boot scripts: unwrap and wrap script images, hush-subset parser, evaluator to a BootPlan, printer.
 */
export {};
