import Testing
import ActivityModel

@Suite struct GeoTests {
    /// `Geo.isEmpty` checks its fields one by one: a field added to `Geo` must be added there too.
    @Test("a location is empty only when every field is nil")
    func isEmptyCoversEveryField() {
        #expect(Geo().isEmpty)
        let setters: [(inout Geo) -> Void] = [
            { $0.country = "US" }, { $0.countryName = "United States" }, { $0.region = "Ohio" }, { $0.city = "Columbus" },
            { $0.lat = 0 }, { $0.lon = 0 }, { $0.radiusKm = 0 }, { $0.tz = "UTC" }, { $0.asn = 0 }, { $0.asOrg = "" },
        ]
        #expect(setters.count == Mirror(reflecting: Geo()).children.count)
        for set in setters {
            var g = Geo()
            set(&g)
            #expect(!g.isEmpty)
            #expect(g.isEmpty == (g == Geo()))
        }
    }
}
