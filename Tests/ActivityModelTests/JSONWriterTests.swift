import Foundation
import Testing
import PropertyBased
@testable import ActivityModel

@Suite("JSON writer and its byte buffer")
struct JSONWriterTests {
    @Test("ByteOutput holds exactly what an array would, across every growth")
    func byteOutputMatchesArray() async {
        // Chunks of 0...40 bytes from a 16-byte start: single bytes and buffers cross each capacity doubling.
        await propertyCheck(input: Gen.int(in: 0...40).array(of: 0...60)) { sizes in
            var out = ByteOutput(capacity: 16)
            var reference: [UInt8] = []
            for (i, n) in sizes.enumerated() {
                let chunk = (0..<n).map { UInt8(truncatingIfNeeded: i &* 31 &+ $0) }
                if n == 1 {
                    out.put(chunk[0]); reference.put(chunk[0])
                } else {
                    chunk.withUnsafeBufferPointer {
                        out.put($0); reference.put($0)
                    }
                }
            }
            #expect(Array(out.buffer) == reference)
            out.removeAll()
            #expect(out.count == 0)
        }
    }

    @Test("strings are escaped as JSON requires and no more, every control byte included")
    func escaping() {
        for b in UInt8(0)...0x7F {
            let s = "a" + String(UnicodeScalar(b)) + "é"
            var w = JSONWriter()
            w.string(s)
            let expected: String
            switch b {
            case 0x22: expected = "\\\""
            case 0x5C: expected = "\\\\"
            case 0x0A: expected = "\\n"
            case 0x0D: expected = "\\r"
            case 0x09: expected = "\\t"
            case 0x08: expected = "\\b"
            case 0x0C: expected = "\\f"
            case 0..<0x20: expected = String(format: "\\u%04x", b)
            default: expected = String(UnicodeScalar(b))
            }
            #expect(w.out == "\"a" + expected + "é\"", "byte \(b)")
            // And the result is JSON that reads back as the same string.
            let back = try? JSONSerialization.jsonObject(with: Data(w.bytes), options: [.fragmentsAllowed]) as? String
            #expect(back == s, "byte \(b)")
        }
    }

    @Test("doubles read back as the same value; integral ones without a fraction; non-finite as null")
    func doubles() async {
        await propertyCheck(input: Gen.double(in: -1e300...1e300)) { v in
            var w = JSONWriter()
            w.number(v)
            #expect(Double(w.out) == v)
        }
        for (v, text) in [
            (35.222, "35.222"), (-82.0686, "-82.0686"), (100.0, "100"), (-0.5, "-0.5"), (.nan, "null"),
            (.infinity, "null"),
        ] {
            var w = JSONWriter()
            w.number(v)
            #expect(w.out == text)
        }
    }

    @Test("members are separated per object, names written as given")
    func members() {
        var w = JSONWriter(capacity: 1)
        w.begin(); w.name("a"); w.integer(1); w.key("b\"c"); w.begin(); w.field("x", "y"); w.field("z", nil);
        w.field("w", "v"); w.end()
        w.name("list"); w.raw("[1]"); w.end(); w.newline()
        w.begin(); w.end()
        #expect(w.out == "{\"a\":1,\"b\\\"c\":{\"x\":\"y\",\"w\":\"v\"},\"list\":[1]}\n{}")
    }
}
