#ifndef SPLICER_FUZZ_DRIVER_H
#define SPLICER_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

// The signature of LLVMFuzzerTestOneInput: one input in, 0 out (non-zero values are reserved).
typedef int (*fuzz_one_input)(const uint8_t *data, size_t size);

// Runs libFuzzer's driver (its own main) with the process arguments and `one_input` as the target.
//
// SwiftPM links every executable with `--defsym main=<Module>_main` and renames the module's
// entry point to match, so libFuzzer's `main` is never linked in; each fuzzer's main.swift calls
// this instead. Returns libFuzzer's exit status.
int fuzz_driver_run(int argc, char **argv, fuzz_one_input one_input);

#endif
