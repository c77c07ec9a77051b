import SplicerHealth

/// The pool's `when_all_down` file on its way to the client: what `Session.Phase.answering`
/// owns. The file itself belongs to the listener's context (opened once per config and
/// shared by all workers); the answer only keeps its own offset, since `sendfile` with an
/// explicit offset never moves the file position.
struct FallbackAnswer {
  let file: FallbackFile
  /// Bytes of the file handed to the kernel so far.
  var offset = 0
  /// The whole file is out and the session's FIN with it; it lingers for the client's EOF.
  var sent = false
}
