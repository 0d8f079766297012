#if canImport(Glibc)
import Glibc
#endif
import CPlexus
import CPlexusSystem
import PlexusABI
import Synchronization

/// Loads plugin shared libraries and registers what they provide.
///
/// Loading is serialised by one lock; a plugin is opened with `dlopen(RTLD_NOW | RTLD_LOCAL)`,
/// its `plx_plugin_init` is called with the host table and a staging registrar, and its
/// registrations are committed only if init succeeds. Plugins are never unloaded (`dlclose` of
/// Swift code is unsafe), so their function pointers stay valid for the life of the process.
public final class PluginLoader: Sendable {
    /// The loader of the process.
    public static let shared = PluginLoader()

    private struct State {
        var loadedPaths: Set<String> = []
        var discovery: Discovery = .notStarted
        var searched: [String] = []
        /// The thread running a plugin's init, so that a plugin loading another from its init
        /// gets an error instead of waiting forever on `loading`.
        var initializingThread: pthread_t?
    }

    private enum Discovery { case notStarted, running(pthread_t), done }

    private let lock = Mutex(State())
    /// Set once discovery has finished: the lock-free fast path of `discoverIfNeeded`.
    private let discovered = Atomic<Bool>(false)
    /// Serialises `dlopen` + init; separate from `lock` so that `discoverIfNeeded` can tell a
    /// re-entrant call (a plugin's init calling an op) from a concurrent one.
    private let loading = Mutex(())

    init() {}

    /// Folders searched by discovery, for messages.
    public var searchedLocations: [String] { lock.withLock { $0.searched } }

    /// Loads the plugin at `path`. Loading the same file twice is harmless. Plugins it requires
    /// (`plx_plugin_info.required_plugins`) that are not loaded are loaded first from the files
    /// the plugins index names.
    /// Throws `notFound` (also for a required plugin that cannot be found), `invalidArgument`
    /// (not a plugin), `abiMismatch`, `alreadyExists` or `pluginFailed` (with the plugin's
    /// message); on failure nothing is registered.
    public func load(path: String) throws {
        _ = try load(path: path, deferMissing: false)
    }

    /// A plugin's init was refused because plugins it requires are not loaded.
    private struct MissingRequirements: Error {
        let names: [String]
    }

    /// Loads `path`; with `deferMissing`, a plugin whose requirements cannot be loaded yet is
    /// left unloaded and the result is false (discovery retries it after the other files).
    private func load(path: String, deferMissing: Bool) throws -> Bool {
        guard !path.isEmpty else { throw PlexusError.invalid("plugin path is empty") }
        guard let resolved = realpath(path, nil) else {
            throw PlexusError(.notFound, "plugin file '\(path)' does not exist")
        }
        let canonical = String(cString: resolved)
        free(resolved)
        let me = pthread_self()
        if lock.withLock({ state in state.initializingThread.map { pthread_equal($0, me) != 0 } ?? false }) {
            throw PlexusError.invalid("cannot load plugin '\(path)' from inside another plugin's init: plugins are loaded one at a time; "
                + "load it before or after (or list both in the plugins folder)")
        }
        return try loading.withLock { _ in try loadLocked(canonical, shownAs: path, deferMissing: deferMissing, depth: 0) }
    }

    /// Loads a resolved path with `loading` held, first loading the plugins it requires.
    private func loadLocked(_ canonical: String, shownAs shown: String, deferMissing: Bool, depth: Int) throws -> Bool {
        if lock.withLock({ $0.loadedPaths.contains(canonical) }) { return true }
        do { try PluginFileCheck.validate(canonical) } catch let error as PlexusError {
            throw PlexusError(error.code, "'\(shown)' is not a loadable plugin: \(error.message)")
        }
        do {
            try initialize(canonical, shownAs: shown)
            return true
        } catch let missing as MissingRequirements {
            // The plugin returned from init at set_info, having registered nothing: load what it
            // requires (from the files the plugins index names) and call its init once more.
            var unresolved: [String] = []
            for name in missing.names {
                guard depth < 16, let file = Self.providerFile(ofPlugin: name),
                      (try? loadLocked(file, shownAs: file, deferMissing: deferMissing, depth: depth + 1)) == true else {
                    unresolved.append(name)
                    continue
                }
            }
            if unresolved.isEmpty {
                do {
                    try initialize(canonical, shownAs: shown)
                    return true
                } catch let again as MissingRequirements {
                    unresolved = again.names
                }
            }
            if deferMissing { return false }
            throw PlexusError(.notFound, "plugin '\(shown)' was not loaded: it requires plugin(s) "
                              + unresolved.map { "'\($0)'" }.joined(separator: ", ")
                              + ", which could not be loaded; load them first (plx_plugin_load) or put them in a plugins folder")
        }
    }

    /// Runs the plugin's init and commits its registrations, marking the thread that runs it.
    private func initialize(_ canonical: String, shownAs shown: String) throws {
        let me = pthread_self()
        lock.withLock { $0.initializingThread = me }
        defer { lock.withLock { $0.initializingThread = nil } }
        try loadUnlocked(canonical, shownAs: shown)
        lock.withLock { _ = $0.loadedPaths.insert(canonical) }
    }

    /// The file of plugin `name`, from the plugins index beside the image (`plugins/index.json`).
    private static func providerFile(ofPlugin name: String) -> String? {
        guard let entry = index?.entries.first(where: { $0.name == name }), let folder = imageDirectory(),
              let resolved = realpath(folder + "/plugins/" + entry.file, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private func loadUnlocked(_ path: String, shownAs shown: String) throws {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            throw PlexusError.invalid("'\(shown)' is not a loadable plugin: \(reason)")
        }
        guard let symbol = dlsym(handle, PLX_PLUGIN_INIT_SYMBOL) else {
            throw PlexusError.invalid("'\(shown)' is not a Plexus plugin: it does not export \(PLX_PLUGIN_INIT_SYMBOL)")
        }
        typealias Init = @convention(c) (UnsafePointer<plx_host_api>?, UnsafeMutablePointer<plx_plugin_registrar>?) -> Int32
        let initialize = unsafeBitCast(symbol, to: Init.self)
        let registration = PluginRegistration(path: path)
        var registrar = registration.makeRegistrar()
        _ = ThreadErrors.takePluginError()
        let status = withExtendedLifetime(registration) { initialize(HostAPI.table, &registrar) }
        let reported = ThreadErrors.takePluginError()
        if !registration.missingRequirements.isEmpty { throw MissingRequirements(names: registration.missingRequirements) }
        if let refusal = registration.refusal {
            throw PlexusError(.abiMismatch, "'\(shown)' was refused: \(refusal.message)")
        }
        if let conflict = registration.conflict {
            throw PlexusError(.alreadyExists, "plugin '\(shown)' was not loaded: \(conflict.message)")
        }
        if status != 0 {
            let message = reported?.message ?? "init returned status \(status) without a message"
            throw PlexusError(.pluginFailed, "plugin '\(shown)' failed to initialise: \(message)")
        }
        let record = try registration.record()
        do {
            try OpRegistry.shared.commit(plugin: record, schemas: registration.schemas, kernels: registration.kernels,
                                         gradients: registration.gradients, layers: registration.layers,
                                         decompositions: registration.decompositions)
        } catch let error as PlexusError {
            throw PlexusError(error.code, "plugin '\(shown)' was not loaded: \(error.message)")
        }
        PluginRewrites.commit(registration.rewrites)
    }

    /// Loads the plugins in the `plugins/` folder beside the image holding this code
    /// (libplexus.so, or a program linking the core statically) and in `PLEXUS_PLUGIN_PATH`,
    /// once per process. Failures are printed to stderr and do not stop the others.
    /// `PLEXUS_AUTOLOAD=0` turns discovery off. Re-entrant calls from a plugin's init return.
    public func discoverIfNeeded() {
        if discovered.load(ordering: .acquiring) { return }
        let me = pthread_self()
        enum Action { case run, wait, none }
        let action: Action = lock.withLock { state in
            switch state.discovery {
            case .done: return .none
            case .running(let thread): return pthread_equal(thread, me) != 0 ? .none : .wait
            case .notStarted:
                state.discovery = .running(me)
                return .run
            }
        }
        switch action {
        case .none: return
        case .wait:  // another thread is discovering: wait until it is done (happens once, briefly)
            while lock.withLock({ if case .done = $0.discovery { return false } else { return true } }) {
                usleep(200)
            }
            return
        case .run: break
        }
        defer {
            lock.withLock { $0.discovery = .done }
            discovered.store(true, ordering: .releasing)
        }
        if let flag = getenv("PLEXUS_AUTOLOAD"), String(cString: flag) == "0" { return }
        var folders: [String] = []
        if let own = Self.imageDirectory() { folders.append(own + "/plugins") }
        if let extra = getenv("PLEXUS_PLUGIN_PATH") {
            folders += String(cString: extra).split(separator: ":").map(String.init).filter { !$0.isEmpty }
        }
        lock.withLock { $0.searched = folders }
        // A plugin whose required plugins are not loaded yet waits; each later pass loads those
        // whose requirements have been loaded meanwhile, and the last reports what is missing.
        var waiting = folders.flatMap(Self.pluginFiles)
        var final = false
        while !waiting.isEmpty {
            let before = waiting.count
            waiting = waiting.filter { file in
                do { return try !load(path: file, deferMissing: !final) } catch let error as PlexusError {
                    let line = "plexus: warning: skipped plugin \(file): \(error.message)\n"
                    _ = line.withCString { write(2, $0, strlen($0)) }
                } catch {}
                return false
            }
            if waiting.count == before { final = true }
        }
    }

    /// Shared libraries in `location` (a folder, or one `.so` file), sorted by name.
    static func pluginFiles(in location: String) -> [String] {
        guard let dir = opendir(location) else { return location.hasSuffix(".so") ? [location] : [] }
        defer { closedir(dir) }
        var files: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            if name.hasSuffix(".so") { files.append(location + "/" + name) }
        }
        return files.sorted()
    }

    /// The folder of the shared object or program this code is linked into.
    static func imageDirectory() -> String? {
        guard let name = plx_system_image_path(#dsohandle) else { return nil }
        var path = String(cString: name)
        if !path.hasPrefix("/"), let resolved = realpath(path, nil) {
            path = String(cString: resolved)
            free(resolved)
        }
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return String(path[..<slash])
    }
}
