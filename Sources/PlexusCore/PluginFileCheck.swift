#if canImport(Glibc)
import Glibc
#endif
import PlexusABI

/// Checks a plugin file before `dlopen` sees it. The dynamic loader maps a library's segments
/// as its program headers describe them; a file cut short (an interrupted copy, a full disk)
/// still maps, and the first touch of a page past its end kills the process with SIGBUS — in
/// whichever later call first runs the plugin's code. So a plugin must be a regular file, an ELF
/// shared object for this machine, whose headers and loadable segments lie inside the file.
enum PluginFileCheck {
    /// Throws `invalid` saying what is wrong with the file at `path` (the caller names the file).
    static func validate(_ path: String) throws {
        let file = try RegularFile(path)
        defer { file.close() }
        let size = file.size
        func bytes(_ offset: Int, _ count: Int) throws -> [UInt8] {
            guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
                throw PlexusError.invalid("the file is truncated or corrupt (\(size) bytes; its headers point past the end)")
            }
            return try file.read(offset: offset, length: count)
        }
        func integer(_ data: [UInt8], _ at: Int, _ width: Int) -> Int {
            var value: UInt64 = 0
            for index in (0..<width).reversed() { value = value << 8 | UInt64(data[at + index]) }
            return Int(clamping: value)
        }
        let header = try bytes(0, 64)
        guard header[0..<4].elementsEqual([0x7F, 0x45, 0x4C, 0x46]) else { throw PlexusError.invalid("it is not an ELF shared library") }
        guard header[4] == 2, header[5] == 1 else { throw PlexusError.invalid("it is not a 64-bit little-endian ELF file") }
        guard integer(header, 16, 2) == 3 else { throw PlexusError.invalid("it is not a shared library (ELF type \(integer(header, 16, 2)))") }
        #if arch(x86_64)
        let machine = 62
        #elseif arch(arm64)
        let machine = 183
        #else
        let machine = integer(header, 18, 2)
        #endif
        guard integer(header, 18, 2) == machine else {
            throw PlexusError.invalid("it was built for another processor (ELF machine \(integer(header, 18, 2)))")
        }
        let programOffset = integer(header, 32, 8), programSize = integer(header, 54, 2), programCount = integer(header, 56, 2)
        guard programSize >= 56, programCount > 0 else { throw PlexusError.invalid("it has no program headers") }
        let programs = try bytes(programOffset, programSize * programCount)
        for index in 0..<programCount {
            let entry = index * programSize
            let type = integer(programs, entry, 4)
            guard type == 1 || type == 2 else { continue }  // PT_LOAD, PT_DYNAMIC
            let offset = integer(programs, entry + 8, 8), fileSize = integer(programs, entry + 32, 8)
            guard offset <= size, fileSize <= size - offset else {
                throw PlexusError.invalid("the file is truncated: a segment needs \(offset) + \(fileSize) bytes, the file has \(size)")
            }
        }
        let sectionOffset = integer(header, 40, 8), sectionSize = integer(header, 58, 2), sectionCount = integer(header, 60, 2)
        if sectionOffset != 0 && sectionCount > 0 {
            guard sectionCount <= (size - min(sectionOffset, size)) / max(sectionSize, 1) else {
                throw PlexusError.invalid("the file is truncated: its section headers lie past the end of the file")
            }
        }
    }
}
