/** Absolute path of the built ck-init binary. */
export declare const ckInitPath: string;
