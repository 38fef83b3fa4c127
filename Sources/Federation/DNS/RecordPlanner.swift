import DNSWire
import KubeClient

/// What DNS should hold for the federation's LoadBalancer Services (kubefed v1 names):
/// `S.N.F.svc.Z` every healthy address; `S.N.F.svc.REGION.Z` the region's healthy
/// addresses, else a CNAME to the global name; `S.N.F.svc.ZONE.REGION.Z` the zone's,
/// else a CNAME to the region name. Pure: the prober's verdicts and the last healthy sets
/// come in, records and the new last healthy sets go out.
public enum RecordPlanner {
    /// The outcome of one planning pass.
    public struct Plan: Equatable, Sendable {
        public var records: [ResourceRecord]
        /// Global names whose every endpoint failed: they keep serving `addresses`.
        public var held: [DNSName: [String]]
        /// The last healthy address set of each global name, for the next pass.
        public var lastHealthy: [DNSName: [RData]]
    }

    /// The names of one Service.
    public static func globalName(_ service: ObjectKey, federation: String, zone: DNSName) -> DNSName? {
        try? zone.prepending("\(service.name).\(service.namespace).\(federation).svc")
    }

    public static func plan(
        _ services: [ServiceEndpoints], federation: String, zone: DNSName, healthy: (ProbeTarget) -> Bool,
        lastHealthy: [DNSName: [RData]]
    ) -> Plan {
        var plan = Plan(records: [], held: [:], lastHealthy: [:])
        for service in services.sorted(by: { $0.service.description < $1.service.description }) {
            planService(service, federation: federation, zone: zone, healthy: healthy, lastHealthy: lastHealthy, into: &plan)
        }
        plan.records.sort { ($0.name, $0.type.rawValue, $0.data.description) < ($1.name, $1.type.rawValue, $1.data.description) }
        return plan
    }

    private static func planService(
        _ service: ServiceEndpoints, federation: String, zone: DNSName, healthy: (ProbeTarget) -> Bool,
        lastHealthy: [DNSName: [RData]], into plan: inout Plan
    ) {
        guard let global = globalName(service.service, federation: federation, zone: zone) else { return }
        let base = "\(service.service.name).\(service.service.namespace).\(federation).svc"
        func add(_ name: DNSName, _ data: [RData]) {
            for item in data { plan.records.append(ResourceRecord(name: name, ttl: service.ttl, data: item)) }
        }
        // Global: every healthy address; all failing, the last healthy set stays.
        let all = service.members
        let addresses = healthyAddresses(service, all, healthy)
        let everyAddress = healthyAddresses(service, all) { _ in true }
        if !addresses.isEmpty {
            add(global, addresses)
            plan.lastHealthy[global] = addresses
        } else if !everyAddress.isEmpty {
            let kept = lastHealthy[global] ?? everyAddress
            add(global, kept)
            plan.lastHealthy[global] = kept
            plan.held[global] = kept.map(\.description)
        } else if let hostname = all.flatMap(\.hostnames).min() {
            add(global, [.cname(hostname)])
        }
        // Regions, then zones inside them.
        let regions = Dictionary(grouping: all.filter { $0.region != nil }, by: { $0.region! })
        for (region, members) in regions {
            guard let regionName = try? zone.prepending("\(base).\(region)") else { continue }
            add(regionName, local(service, members, healthy) ?? [.cname(global)])
            let zones = Dictionary(grouping: members.filter { $0.zone != nil }, by: { $0.zone! })
            for (zoneLabel, zoneMembers) in zones {
                guard let zoneName = try? zone.prepending("\(base).\(zoneLabel).\(region)") else { continue }
                add(zoneName, local(service, zoneMembers, healthy) ?? [.cname(regionName)])
            }
        }
    }

    /// The healthy addresses of `members`, else their hostname as a CNAME, else nil.
    private static func local(_ service: ServiceEndpoints, _ members: [ServiceEndpoints.Member], _ healthy: (ProbeTarget) -> Bool)
        -> [RData]?
    {
        let addresses = healthyAddresses(service, members, healthy)
        if !addresses.isEmpty { return addresses }
        if healthyAddresses(service, members, { _ in true }).isEmpty, let hostname = members.flatMap(\.hostnames).min() {
            return [.cname(hostname)]
        }
        return nil
    }

    private static func healthyAddresses(
        _ service: ServiceEndpoints, _ members: [ServiceEndpoints.Member], _ healthy: (ProbeTarget) -> Bool
    ) -> [RData] {
        var v4: Set<IPv4Address> = []
        var v6: Set<IPv6Address> = []
        for member in members {
            for ip in member.ipv4 where healthy(ProbeTarget(host: ip.description, port: service.port, check: service.check)) {
                v4.insert(ip)
            }
            for ip in member.ipv6 where healthy(ProbeTarget(host: ip.description, port: service.port, check: service.check)) {
                v6.insert(ip)
            }
        }
        return v4.sorted().map(RData.a) + v6.sorted().map(RData.aaaa)
    }
}
