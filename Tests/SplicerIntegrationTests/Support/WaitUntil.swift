import Glibc

// The tests' one bounded polling loop. Tests wait on events where there are any (a log line, a
// readable socket); this is for state that has none: a counter on the admin endpoint, a child
// process's exit, the port a helper server listens on.

/// Checks `condition` every `interval` seconds until it holds; returns the seconds that took,
/// nil once `timeoutSeconds` have passed. The condition is checked at least once, and once
/// more after the deadline, so a machine too busy to wake on time does not fail a test whose
/// condition did come true. An `interval` of 0 suits a condition that itself blocks for a
/// while (one round of poll(2) on the test's sockets).
@discardableResult
func waitUntil(_ timeoutSeconds: Double, every interval: Double = 0.01, _ condition: () throws -> Bool) rethrows
  -> Double?
{
  let start = TestClock.now()
  let found: Bool? = try waitFor(timeoutSeconds, every: interval) { try condition() ? true : nil }
  return found == nil ? nil : TestClock.now() - start
}

/// Like `waitUntil`, for a value: calls `attempt` every `interval` seconds until it returns one;
/// nil once `timeoutSeconds` have passed.
func waitFor<Value>(_ timeoutSeconds: Double, every interval: Double = 0.01, _ attempt: () throws -> Value?)
  rethrows -> Value?
{
  let deadline = TestClock.now() + timeoutSeconds
  while true {
    let late = TestClock.now() > deadline
    if let value = try attempt() { return value }
    if late { return nil }
    if interval > 0 { usleep(useconds_t(interval * 1_000_000)) }
  }
}
