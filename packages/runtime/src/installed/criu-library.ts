import type { ContainerError as ContainerErrorClass, errnoName as errnoNameFunction, libcFunction as libcFunctionFunction, loadKoffi as loadKoffiFunction, syscallError as syscallErrorFunction } from '@containerkit/core';

// @containerkit/core as dist/ckrun-criu.cjs sees it (tsup.config.ts): the library of the ckrun
// that requires the file, handed over by src/installed/criu.ts before the driver runs. A copy
// inlined in the file would be a second ContainerError (instanceof would fail across the two),
// a second koffi and a second libc handle. Importing a name not exported here fails the build.

/** What the CRIU driver uses of the library. */
export interface CriuLibrary {
  ContainerError: typeof ContainerErrorClass;
  errnoName: typeof errnoNameFunction;
  libcFunction: typeof libcFunctionFunction;
  loadKoffi: typeof loadKoffiFunction;
  syscallError: typeof syscallErrorFunction;
}

// Bound once, by adoptLibrary, when the file is required: the driver reaches them only from the
// functions it runs afterwards, never while its modules load.
export let ContainerError: CriuLibrary['ContainerError'];
export let errnoName: CriuLibrary['errnoName'];
export let libcFunction: CriuLibrary['libcFunction'];
export let loadKoffi: CriuLibrary['loadKoffi'];
export let syscallError: CriuLibrary['syscallError'];

export function adoptLibrary(library: CriuLibrary): void {
  ({ ContainerError, errnoName, libcFunction, loadKoffi, syscallError } = library);
}
