#include "FuzzDriver.h"

// Provided by libclang_rt.fuzzer, which -sanitize=fuzzer links.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*one_input)(const uint8_t *data, size_t size));

int fuzz_driver_run(int argc, char **argv, fuzz_one_input one_input) {
  return LLVMFuzzerRunDriver(&argc, &argv, one_input);
}
