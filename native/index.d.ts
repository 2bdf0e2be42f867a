/** Absolute path of the built ck-init binary. */
export declare const ckInitPath: string;
/** Absolute path of the built front end of ckrun (native/front/), installed by the runtime package as dist/ckrun. */
export declare const frontEndPath: string;
