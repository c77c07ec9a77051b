import FuzzDriver

#if canImport(Glibc)
  import Glibc
#endif

// libFuzzer's own main is not linked under SwiftPM (see FuzzDriver.h); run its driver here.
// A closure rather than `fuzzUpgradeWire` itself: naming the @_cdecl function as a C pointer here would
// emit a second copy of its C symbol in this file.
exit(fuzz_driver_run(CommandLine.argc, CommandLine.unsafeArgv) { data, size in fuzzUpgradeWire(data, size) })
