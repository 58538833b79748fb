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
// Each fuzzer depends on the root package's library products (ActivityPipeline, ActivityConfig, ActivityIPList,
// ActivityStore): the code fuzzed is the code shipped, compiled once.
import PackageDescription

func activityd(_ products: String...) -> [Target.Dependency] {
    (["ActivityModel"] + products).map { .product(name: $0, package: "activityd") }
}

let package = Package(
    name: "ActivityFuzzing",
    dependencies: [
        .package(name: "activityd", path: ".."),
    ],
    targets: [
        // One fuzzer per target; each is a main.swift with @_cdecl("LLVMFuzzerTestOneInput").
        .target(name: "FuzzAppEvent", dependencies: activityd("ActivityPipeline")),
        .target(name: "FuzzSyslog", dependencies: activityd("ActivityPipeline")),
        .target(name: "FuzzSegment", dependencies: activityd("ActivityStore")),
        .target(name: "FuzzConfig", dependencies: activityd("ActivityConfig")),
        .target(name: "FuzzIPList", dependencies: activityd("ActivityIPList")),
    ]
)
