import ActivityModel
import ActivityReports
import Testing

@Suite("CSVExport")
struct CSVExportTests {
    @Test("header has the payments seed's columns in order, then the location columns")
    func header() {
        #expect(
            CSVExport.columns == [
                "Date", "User name", "Activity", "Subscription reference", "Order reference", "Price/Amount",
                "Currency",
                "Billing cycles", "Comment", "IP", "Country", "City", "Device",
            ])
        #expect(
            CSVExport().document(events: [ActivityEvent]())
                == "Date,User name,Activity,Subscription reference,Order reference,Price/Amount,Currency,Billing cycles,Comment,IP,Country,City,Device\r\n"
        )
    }

    @Test("a commerce event becomes one record with the date in the zone")
    func record() throws {
        let f = try #require(TimeFormatter(identifier: "America/New_York"))
        let e = ev(
            "2014-06-10T15:46:01Z", "refund_issued", user: "John Doe", ip: "2001:db8::1", device: "Chrome",
            country: "US", city: "Boston",
            commerce: commerce(sub: "ABCD123", order: "1234567", amount: "50", currency: "USD", cycles: 1),
            comment: "Customer request")
        #expect(
            CSVExport(formatter: f).record(for: e)
                == "2014-06-10 11:46:01 -04:00,John Doe,refund_issued,ABCD123,1234567,50,USD,1,Customer request,2001:db8::1,US,Boston,Chrome\r\n"
        )
    }

    @Test(
        "RFC 4180 quoting of commas, quotes and line breaks",
        arguments: [
            ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("cr\rhere", "\"cr\rhere\""), ("", ""), ("ünïcødé 漢字", "ünïcødé 漢字"),
        ])
    func quoting(cell: String, expected: String) {
        #expect(CSVExport.quote(cell) == expected)
    }

    @Test(
        "cells a spreadsheet would execute get a leading quote",
        arguments: [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"), ("+1+2", "'+1+2"), ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"), ("\tcmd", "'\tcmd"), ("\rcmd", "'\rcmd"), ("-", "'-"), ("+", "'+"),
            ("-5.", "'-5."), ("-.5", "'-.5"), ("-1e5", "'-1e5"), ("- 5", "'- 5"),
        ])
    func neutralizes(cell: String, expected: String) {
        #expect(CSVExport.neutralize(cell) == expected)
    }

    @Test(
        "plain decimal numbers and harmless text stay as they are",
        arguments: [
            "-5.00", "+12", "-0.5", "19.99", "0", "alice", "a=b", "x@y.example", " =not-first",
        ])
    func keeps(cell: String) {
        #expect(CSVExport.neutralize(cell) == cell)
    }

    @Test("a refund of -5.00 stays numeric, a formula user name is neutralized and quoted")
    func wholeRecord() {
        let e = ev(
            "2026-03-01T10:00:00Z", "refund_issued", user: "=cmd|' /C calc'!A0",
            commerce: commerce(amount: "-5.00", currency: "EUR"), comment: "-refund, partial")
        #expect(
            CSVExport().record(for: e)
                == "2026-03-01 10:00:00 +00:00,'=cmd|' /C calc'!A0,refund_issued,,,-5.00,EUR,,\"'-refund, partial\",,,,\r\n"
        )
    }
}
