import SplicerConfig

/// libFuzzer entry point: the input is config text, loaded as `splicer check` would load it.
///
/// Invalid UTF-8 is decoded with replacement characters rather than skipped, so the fuzzer still
/// reaches the YAML parser with it. Any thrown `ConfigError` is a correct answer; a trap, a
/// sanitizer report or a hang is a bug.
// Exported as LLVMFuzzerTestOneInput because the fuzzer runtime's own main.o is linked in too
// and refers to it; main.swift starts the driver with this function either way.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
  do {
    let configuration = try ConfigLoader.parse(yaml: text, file: "fuzz.yaml")
    // Touch the result so that a lazily broken value would show here too.
    _ = String(describing: configuration)
  } catch {
    // Rejecting the input is the expected outcome for most of them; render it as the CLI would.
    _ = error.description
  }
  return 0
}
