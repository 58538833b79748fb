import ActivityModel

/// The location part of a GeoIP2/GeoLite2 City or Country record, with names in English.
///
/// Country databases fill only ``countryCode`` and ``countryName``. Fields absent from the record are `nil`
/// (many addresses have a country but no city; some have only `registered_country`, which is not used here
/// because it says where the network is registered, not where the address is).
public struct GeoRecord: Hashable, Sendable {
    /// ISO 3166-1 alpha-2 (`country.iso_code`).
    public var countryCode: String?
    /// `country.names.en`.
    public var countryName: String?
    /// The first, largest subdivision's English name (`subdivisions[0].names.en`), such as a state or region.
    public var subdivisionName: String?
    /// `city.names.en`.
    public var cityName: String?
    /// `location.latitude`.
    public var latitude: Double?
    /// `location.longitude`.
    public var longitude: Double?
    /// `location.accuracy_radius`, in kilometres.
    public var accuracyRadiusKm: Int?
    /// `location.time_zone`, an IANA zone name.
    public var timeZone: String?

    /// A record with every field `nil`.
    public init() {}

    /// Decodes the location fields of a City or Country record.
    ///
    /// - Parameter entry: a record from a City or Country database.
    /// - Throws: ``MaxMindDBError`` when the record is corrupt or a field has an unexpected type.
    public init(entry: MaxMindEntry) throws(MaxMindDBError) {
        // The `country` and `location` maps are found once and their values read below them: a walk from the
        // record's start per value skipped the maps before them again each time (18.5k instructions a record).
        if let country = try entry.map(at: Paths.country) {
            countryCode = try country.string(at: Paths.countryCode)
            countryName = try country.string(at: Paths.countryName)
        }
        subdivisionName = try entry.string(at: Paths.subdivisionName)
        cityName = try entry.string(at: Paths.cityName)
        if let location = try entry.map(at: Paths.location) {
            latitude = try location.double(at: Paths.latitude)
            longitude = try location.double(at: Paths.longitude)
            accuracyRadiusKm = try location.unsignedInteger(at: Paths.accuracyRadius).map { Int(clamping: $0) }
            timeZone = try location.string(at: Paths.timeZone)
        }
    }

    enum Paths {
        static let country = MaxMindPath("country")
        static let countryCode = MaxMindPath(["iso_code"], below: country)
        static let countryName = MaxMindPath(["names", "en"], below: country)
        static let subdivisionName = MaxMindPath("subdivisions", "0", "names", "en")
        static let cityName = MaxMindPath("city", "names", "en")
        static let location = MaxMindPath("location")
        static let latitude = MaxMindPath(["latitude"], below: location)
        static let longitude = MaxMindPath(["longitude"], below: location)
        static let accuracyRadius = MaxMindPath(["accuracy_radius"], below: location)
        static let timeZone = MaxMindPath(["time_zone"], below: location)
    }
}

/// An autonomous-system record from a GeoLite2-ASN (or GeoIP2-ISP) database.
public struct ASNRecord: Hashable, Sendable {
    /// `autonomous_system_number`.
    public var number: UInt32?
    /// `autonomous_system_organization`.
    public var organization: String?

    /// A record with every field `nil`.
    public init() {}

    /// Decodes an ASN record.
    ///
    /// - Parameter entry: a record from an ASN or ISP database.
    /// - Throws: ``MaxMindDBError`` when the record is corrupt or a field has an unexpected type.
    public init(entry: MaxMindEntry) throws(MaxMindDBError) {
        number = try entry.unsignedInteger(at: Paths.number).flatMap { UInt32(exactly: $0) }
        organization = try entry.string(at: Paths.organization)
    }

    enum Paths {
        static let number = MaxMindPath("autonomous_system_number")
        static let organization = MaxMindPath("autonomous_system_organization")
    }
}

/// A record from a GeoIP2 Anonymous-IP database. Absent flags are `false`, as MaxMind documents.
public struct AnonymousIPRecord: Hashable, Sendable {
    /// `is_anonymous`: any of the kinds below (MaxMind also sets it for hosting providers).
    public var isAnonymous = false
    /// `is_anonymous_vpn`.
    public var isAnonymousVPN = false
    /// `is_hosting_provider`.
    public var isHostingProvider = false
    /// `is_public_proxy`.
    public var isPublicProxy = false
    /// `is_residential_proxy`.
    public var isResidentialProxy = false
    /// `is_tor_exit_node`.
    public var isTorExitNode = false

    /// A record with every flag `false`.
    public init() {}

    /// Decodes an Anonymous-IP record.
    ///
    /// - Parameter entry: a record from an Anonymous-IP database.
    /// - Throws: ``MaxMindDBError`` when the record is corrupt or a flag is not a boolean.
    public init(entry: MaxMindEntry) throws(MaxMindDBError) {
        isAnonymous = try entry.bool(at: Paths.anonymous) ?? false
        isAnonymousVPN = try entry.bool(at: Paths.vpn) ?? false
        isHostingProvider = try entry.bool(at: Paths.hosting) ?? false
        isPublicProxy = try entry.bool(at: Paths.proxy) ?? false
        isResidentialProxy = try entry.bool(at: Paths.residential) ?? false
        isTorExitNode = try entry.bool(at: Paths.tor) ?? false
    }

    enum Paths {
        static let anonymous = MaxMindPath("is_anonymous")
        static let vpn = MaxMindPath("is_anonymous_vpn")
        static let hosting = MaxMindPath("is_hosting_provider")
        static let proxy = MaxMindPath("is_public_proxy")
        static let residential = MaxMindPath("is_residential_proxy")
        static let tor = MaxMindPath("is_tor_exit_node")
    }
}

extension MaxMindDatabase {
    /// Looks up an address in a City or Country database.
    ///
    /// - Parameter address: the address.
    /// - Returns: the decoded location, or `nil` when the database has no record for the address.
    /// - Throws: ``MaxMindDBError`` on corrupt data.
    public func lookupGeo(_ address: IPAddress) throws(MaxMindDBError) -> GeoRecord? {
        guard let e = try lookup(address) else { return nil }
        return try GeoRecord(entry: e)
    }

    /// Looks up an address in an ASN database.
    ///
    /// - Parameter address: the address.
    /// - Returns: the decoded record, or `nil` when the database has no record for the address.
    /// - Throws: ``MaxMindDBError`` on corrupt data.
    public func lookupASN(_ address: IPAddress) throws(MaxMindDBError) -> ASNRecord? {
        guard let e = try lookup(address) else { return nil }
        return try ASNRecord(entry: e)
    }

    /// Looks up an address in an Anonymous-IP database.
    ///
    /// - Parameter address: the address.
    /// - Returns: the decoded record, or `nil` when the address is not listed.
    /// - Throws: ``MaxMindDBError`` on corrupt data.
    public func lookupAnonymousIP(_ address: IPAddress) throws(MaxMindDBError) -> AnonymousIPRecord? {
        guard let e = try lookup(address) else { return nil }
        return try AnonymousIPRecord(entry: e)
    }
}
