import Glibc

/// A NULL-terminated array of C strings (argv, envp), allocated with strdup and freed by
/// `free()`. For the argv and envp of an exec, built before a fork because the child may not
/// allocate.
struct CStringArray {
  let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
  private let count: Int

  init(_ strings: [String]) {
    count = strings.count
    pointers = .allocate(capacity: count + 1)
    for (index, string) in strings.enumerated() {
      // strdup fails only without memory, which the Swift strings above would have hit first.
      guard let copy = strdup(string) else { fatalError("strdup: out of memory") }
      pointers[index] = copy
    }
    pointers[count] = nil
  }

  func free() {
    for index in 0..<count { Glibc.free(pointers[index]) }
    pointers.deallocate()
  }
}
