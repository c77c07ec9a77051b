/// An unowned reference to another worker of the same proxy.
struct SiblingWorker {
  unowned let worker: Worker
}
