using System.Runtime.InteropServices;

namespace Newsletter.Web.Monitoring;

/// <summary>
/// Which file a path names (its device and inode), so a file deleted and recreated at the same path is told from the one a
/// process opened: Hangfire's SQLite storage recreates a deleted file with an empty schema, and the path alone looks fine.
/// </summary>
public readonly record struct FileIdentity(ulong Device, ulong Inode)
{
    /// <returns>The file's identity, or null when the file is missing or this is not Linux (where <c>stat</c> is read).</returns>
    public static FileIdentity? Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        // struct stat begins with st_dev and st_ino (8 bytes each) on x86-64 and arm64; the rest is larger than the
        // structure on both and left unread.
        var buffer = new byte[256];
        try
        {
            return Stat(path, buffer) == 0 ? new FileIdentity(BitConverter.ToUInt64(buffer, 0), BitConverter.ToUInt64(buffer, 8)) : null;
        }
        catch (EntryPointNotFoundException)
        {
            return null; // A C library without a plain stat symbol (glibc before 2.33): the check falls back to existence.
        }
    }

#pragma warning disable SYSLIB1054 // A plain byte[] argument: nothing to generate.
    [DllImport("libc", EntryPoint = "stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, byte[] buffer);
#pragma warning restore SYSLIB1054
}
