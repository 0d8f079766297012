// The ABI value types (DType, StatusCode, PlexusError, ...) are part of the core's API.
@_exported import PlexusABI
