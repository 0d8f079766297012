// libFuzzer target: .npy bytes -> a tensor, and .npz (zip) archives -> tensors. Every input is
// decoded as .npy; an input that starts like a zip ("PK") is also written to a file and read as
// .npz, since archives are read from a path.
#if canImport(Glibc)
import Glibc
#endif
import FuzzSupport
import PlexusCore

/// This process's scratch file for .npz inputs (libFuzzer's -fork/-jobs run several processes).
nonisolated(unsafe) var archivePath = ""

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> CInt {
    FuzzEnvironment.setUp(plugins: false)
    let folder = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
    archivePath = "\(folder)/plexus-fuzz-\(getpid()).npz"
    atexit { unlink(archivePath) }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = FuzzEnvironment.bytes(data, size)
    _ = try? NumpyFormat.decode(bytes)
    if size >= 2, data[0] == 0x50, data[1] == 0x4B {
        guard let file = fopen(archivePath, "wb") else { return 0 }
        let written = fwrite(data, 1, size, file)
        fclose(file)
        if written == size { _ = try? NpzArchive.read(archivePath) }
    }
    return 0
}
