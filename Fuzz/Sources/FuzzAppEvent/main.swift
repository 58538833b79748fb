// Fuzzes application-event decoding (UDP datagrams of JSON lines, with field aliases) and the JSON reader under it.
// Must never crash, hang or read out of bounds; rejects are ordinary results.
import ActivityModel
import ActivityPipeline

private let decoder: AppEventDecoder = {
    var d = AppEventDecoder()
    d.keepRaw = true  // also exercises origin.raw
    return d
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = [UInt8](UnsafeRawBufferPointer(start: start, count: count))

    // The whole input as one datagram: split into lines, each decoded.
    let results = decoder.decode(datagram: bytes, receivedAt: Timestamp(seconds: 1_767_225_600), source: "127.0.0.1")
    for r in results {
        if case .event(let e) = r {
            // Accepted events must survive export (what the store and activityctl do next).
            _ = e.hashValue
        }
    }

    // The JSON reader on the raw bytes, with default and tight limits.
    if case .success(let v) = JSONReader().parse(bytes) { _ = v.jsonText }
    _ = JSONReader(maxDepth: 2, maxMembers: 4).parse(bytes)
    return 0
}
