// activity-bench: the repository's benchmarks. Run in release:
//   swift run -c release activity-bench <name> [options]
// Each benchmark prints its figures; scripts/bench-*.sh run them with the peer in the same run.
import ActivityCLI

#if canImport(Glibc)
import Glibc
#endif

/// activity-bench's error lines (the figures go to stdout).
let diagnostics = Diagnostics(program: "activity-bench")

let args = Array(CommandLine.arguments.dropFirst())
let name = args.first ?? ""
let rest = Array(args.dropFirst())
switch name {
case "store": runStoreBenchmark(arguments: rest)
case "decode": runDecodeBenchmark(arguments: rest)
case "query": runQueryBenchmark(arguments: rest)
case "normalize": runNormalizeBenchmark(arguments: rest)
case "enrich": runEnrichBenchmark(arguments: rest)
case "audit": runAuditBenchmark(arguments: rest)
case "risk": runRiskBenchmark(arguments: rest)
case "receive": await runReceiveBenchmark(arguments: rest)
case "pipeline": runPipelineBenchmark(arguments: rest)
case "journal": runJournalBenchmark(arguments: rest)
default:
    diagnostics.fail(
        "usage: activity-bench store|query|decode|normalize|enrich|audit|risk|receive|pipeline|journal [options]",
        status: Diagnostics.Status.usage)
}
