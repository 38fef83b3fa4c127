import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Store
import StoreEtcd
import StoreSQLite

/// Which store an API server keeps its objects in: shared by `apiserver`, `sandbox` and
/// `serve`.
struct StoreOptions: ParsableArguments {
    enum Kind: String, ExpressibleByArgument, CaseIterable {
        case sqlite, etcd
    }

    @Option(help: "Storage backend: sqlite (embedded, in --data-dir) or etcd.")
    var store: Kind = .sqlite

    @Option(help: "etcd client URLs, comma-separated (with --store etcd), e.g. http://127.0.0.1:2379,http://127.0.0.1:22379.")
    var etcdEndpoints: String?

    @Option(help: "CA certificate (PEM) that signed etcd's serving certificates.")
    var etcdCafile: String?

    @Option(help: "Client certificate (PEM) for etcd (with --etcd-keyfile).")
    var etcdCertfile: String?

    @Option(help: "Client key (PEM) for etcd (with --etcd-certfile).")
    var etcdKeyfile: String?

    @Option(help: "Where the objects live in etcd: under /registry (the default, where kube-apiserver keeps them) or PREFIX/registry.")
    var etcdPrefix: String = "/registry"

    func validate() throws {
        let etcdFlags = [etcdEndpoints, etcdCafile, etcdCertfile, etcdKeyfile].contains { $0 != nil } || etcdPrefix != "/registry"
        guard store == .etcd else {
            if etcdFlags { throw ValidationError("the --etcd-* options need --store etcd") }
            return
        }
        guard let etcdEndpoints else { throw ValidationError("--store etcd needs --etcd-endpoints") }
        do {
            _ = try EtcdConfiguration.endpoints(parsing: etcdEndpoints)
        } catch {
            throw ValidationError("--etcd-endpoints: \(error)")
        }
        if (etcdCertfile == nil) != (etcdKeyfile == nil) { throw ValidationError("--etcd-certfile and --etcd-keyfile go together") }
        for (flag, path) in [("--etcd-cafile", etcdCafile), ("--etcd-certfile", etcdCertfile), ("--etcd-keyfile", etcdKeyfile)] {
            if let path, !FileManager.default.isReadableFile(atPath: path) { throw ValidationError("\(flag) \(path): no such file") }
        }
        guard etcdPrefix.hasPrefix("/"), !etcdPrefix.hasSuffix("/") || etcdPrefix == "/" else {
            throw ValidationError("--etcd-prefix must start with '/' and not end with one, not \(etcdPrefix)")
        }
    }

    /// What the API server's keys (`/registry/…`) are prefixed with in etcd; `instance`
    /// separates several sandboxes of one process.
    func keyPrefix(instance: String?) -> String {
        var base = etcdPrefix == "/" ? "" : etcdPrefix
        if base.hasSuffix("/registry") { base.removeLast("/registry".count) }
        guard let instance else { return base }
        return base + "/" + instance
    }

    /// The store for one API server, and the service that must run beside it (etcd's
    /// connections and watches) if any.
    func open(dataDir: String, instance: String? = nil, logger: Logger) throws -> (store: any KVStore, service: (any Service)?) {
        switch store {
        case .sqlite:
            do {
                return (try SQLiteStore(path: (dataDir as NSString).appendingPathComponent("store.db"), logger: logger), nil)
            } catch {
                throw ServerAssembly.StartupError(description: "cannot open the store in \(dataDir): \(error)")
            }
        case .etcd:
            do {
                let tls =
                    [etcdCafile, etcdCertfile, etcdKeyfile].contains { $0 != nil }
                    ? EtcdConfiguration.TLSFiles(caFile: etcdCafile, certFile: etcdCertfile, keyFile: etcdKeyfile) : nil
                let configuration = EtcdConfiguration(
                    endpoints: try EtcdConfiguration.endpoints(parsing: etcdEndpoints ?? ""), keyPrefix: keyPrefix(instance: instance),
                    tls: tls)
                let store = try EtcdStore(configuration: configuration, logger: logger)
                return (store, store)
            } catch {
                throw ServerAssembly.StartupError(description: "cannot use etcd at \(etcdEndpoints ?? ""): \(error)")
            }
        }
    }
}
