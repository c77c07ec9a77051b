// swift-tools-version:6.0
import Foundation
import PackageDescription

// libFuzzer targets for the parsers that read untrusted bytes. Build and run them with
// scripts/fuzz.sh; each product is an executable linked with -sanitize=fuzzer,address.
// No -parse-as-library: each fuzzer has a main.swift that starts libFuzzer's driver.

// The PROXY header and ClientHello fuzzers need the main package's SplicerProtocol library
// product. They are declared only once the main manifest exports it, so that this package
// keeps resolving (and FuzzConfig keeps building) before then.
let mainManifest = (try? String(contentsOfFile: Context.packageDirectory + "/../Package.swift", encoding: .utf8)) ?? ""
let protocolLibraryExists = mainManifest.contains(#".library(name: "SplicerProtocol""#)
// The upgrade wire fuzzer needs the SplicerCore library product, likewise.
let coreLibraryExists = mainManifest.contains(#".library(name: "SplicerCore""#)

var products: [Product] = [.executable(name: "FuzzConfig", targets: ["FuzzConfig"])]
var targets: [Target] = [
  // libFuzzer's driver called from each fuzzer's main.swift, since SwiftPM renames `main`.
  .target(name: "FuzzDriver"),
  .executableTarget(
    name: "FuzzConfig",
    dependencies: ["FuzzDriver", .product(name: "SplicerConfig", package: "Splicer")]
  ),
]

if protocolLibraryExists {
  // Helpers for the invariant checks both protocol fuzzers make.
  targets.append(.target(name: "FuzzSupport"))
  for name in ["FuzzProxyHeader", "FuzzClientHello"] {
    products.append(.executable(name: name, targets: [name]))
    targets.append(
      .executableTarget(
        name: name,
        dependencies: ["FuzzDriver", "FuzzSupport", .product(name: "SplicerProtocol", package: "Splicer")])
    )
  }
}

if coreLibraryExists {
  products.append(.executable(name: "FuzzUpgradeWire", targets: ["FuzzUpgradeWire"]))
  targets.append(
    .executableTarget(
      name: "FuzzUpgradeWire",
      dependencies: ["FuzzDriver", .product(name: "SplicerCore", package: "Splicer")])
  )
}

let package = Package(
  name: "SplicerFuzz",
  products: products,
  dependencies: [.package(name: "Splicer", path: "..")],
  targets: targets
)
