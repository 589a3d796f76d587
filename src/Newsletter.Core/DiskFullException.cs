namespace Newsletter.Core;

/// <summary>
/// A write failed because the disk (or the user's disk quota) is full. <see cref="Path"/> names what could not be written,
/// so the operator knows which disk to free; the message says so in words.
/// </summary>
public sealed class DiskFullException : IOException
{
    /// <param name="what">What was being written, for people: "the pickup folder", "the database".</param>
    /// <param name="path">The file or folder on the full disk.</param>
    public DiskFullException(string what, string path, Exception innerException)
        : base($"The disk holding {what} {path} is full ({innerException.Message.TrimEnd('.')}). Free space on that disk (`df -h {path}` shows it).",
            innerException)
    {
        What = what;
        Path = path;
    }

    public string What { get; }

    public string Path { get; }

    /// <summary>
    /// Whether <paramref name="exception"/> is the operating system saying the disk or the quota is full: ENOSPC or EDQUOT on
    /// Linux and macOS (.NET puts the errno in <see cref="Exception.HResult"/>), ERROR_DISK_FULL or ERROR_HANDLE_DISK_FULL on Windows.
    /// </summary>
    public static bool IsDiskFull(IOException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.HResult switch
        {
            28 => true,                                      // ENOSPC
            122 => OperatingSystem.IsLinux(),                // EDQUOT on Linux
            69 => OperatingSystem.IsMacOS(),                 // EDQUOT on macOS
            unchecked((int)0x80070070) or unchecked((int)0x80070027) => OperatingSystem.IsWindows(),
            _ => false,
        };
    }
}
