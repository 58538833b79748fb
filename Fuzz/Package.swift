// swift-tools-version:5.3
// libFuzzer targets for activityd (STYLE.md §5), laid out like swift-protobuf's FuzzTesting/.
//
// Build (see run.sh):
//   swift build -c debug -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
//
// Why tools-version 5.3 and plain `.target`s: from 5.5 on, SwiftPM links a target holding `main.swift` with
// `--defsym main=<Module>_main` and renames Swift's entry point; with `-parse-as-library` there is no such
// symbol, so the link fails ("undefined symbol 'FuzzX_main'"). Under 5.3 the target is linked as a plain
// executable and libFuzzer's own `main` drives `LLVMFuzzerTestOneInput`.
//
// The root package exports only `ActivityModel` and `ActivityStore` as products. `ActivityPipeline`,
// `ActivityConfig` and the IP-list parser of `ActivityEnrich` are internal targets, which another package
// cannot depend on, and a second target with the same name is rejected ("target names need to be unique across
// the package graph"). So `Mirror/` holds symlinks to those sources and they are compiled here again under
// `Fuzzed…` module names. When the root package adds library products for them, replace each mirror with
// `.product(name: "ActivityPipeline", package: "activityd")` and change the imports.
import PackageDescription

let activityd: [Target.Dependency] = [
    .product(name: "ActivityModel", package: "activityd"),
]

let package = Package(
    name: "ActivityFuzzing",
    dependencies: [
        .package(name: "activityd", path: ".."),
        // Same URL and range as the root package, so both resolve to one checkout.
        .package(name: "TOMLKit", url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
    ],
    targets: [
        // Mirrors of internal root targets (symlinked sources; see above).
        .target(name: "FuzzedActivityPipeline", dependencies: activityd, path: "Mirror/ActivityPipeline"),
        .target(
            name: "FuzzedActivityConfig",
            dependencies: activityd + [.product(name: "TOMLKit", package: "TOMLKit")],
            path: "Mirror/ActivityConfig"
        ),
        .target(name: "FuzzedIPList", dependencies: activityd, path: "Mirror/IPList"),

        // One fuzzer per target; each is a main.swift with @_cdecl("LLVMFuzzerTestOneInput").
        .target(name: "FuzzAppEvent", dependencies: activityd + ["FuzzedActivityPipeline"]),
        .target(name: "FuzzSyslog", dependencies: activityd + ["FuzzedActivityPipeline"]),
        .target(
            name: "FuzzSegment",
            dependencies: activityd + [.product(name: "ActivityStore", package: "activityd")]
        ),
        .target(name: "FuzzConfig", dependencies: activityd + ["FuzzedActivityConfig"]),
        .target(name: "FuzzIPList", dependencies: activityd + ["FuzzedIPList"]),
    ]
)
