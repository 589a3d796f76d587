namespace Newsletter.Storage;

/// <summary>
/// A database file cannot be used at all: its folder or the file is read-only, or another process holds its lock. The message
/// names the file and says what to do; nothing was written.
/// </summary>
public sealed class StoreUnavailableException(string path, string message, Exception? innerException = null) : Exception(message, innerException)
{
    /// <summary>The full path of the file.</summary>
    public string Path { get; } = path;
}
