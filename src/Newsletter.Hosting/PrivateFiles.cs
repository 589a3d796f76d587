namespace Newsletter.Hosting;

/// <summary>
/// Files that hold subscriber data (the databases, pickup messages, the unsubscribe key) are readable by their owner only:
/// files 0600 and the folders we create 0700, whatever the process umask. On Windows the folder's ACL applies instead.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    private const UnixFileMode OtherAccess = UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>Creates the folder (and any missing parents) as 0700; an existing folder is left as it is.</summary>
    public static void CreateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
            return;
        }
        // Directory.CreateDirectory(path, mode) gives the mode to the last folder only; missing parents would follow the umask.
        var missing = new Stack<string>();
        for (var folder = Path.GetFullPath(path); !Directory.Exists(folder); folder = Path.GetDirectoryName(folder)!)
        {
            missing.Push(folder);
            if (Path.GetDirectoryName(folder) is null) break;
        }
        while (missing.TryPop(out var folder)) Directory.CreateDirectory(folder, DirectoryMode);
    }

    /// <summary>
    /// Makes sure a file that another library will open (SQLite) is private: a missing file is created empty as 0600, so the
    /// library opens ours instead of creating one under the umask (SQLite gives its -wal and -shm files the database's mode).
    /// An existing file loses any access for "other" users; a group the operator granted stays.
    /// </summary>
    public static void Prepare(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        try
        {
            using (new FileStream(path, new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = FileMode }))
            {
            }
        }
        catch (IOException) when (File.Exists(path))
        {
            Restrict(path);
        }
        foreach (var companion in new[] { path + "-wal", path + "-shm", path + "-journal" })
        {
            if (File.Exists(companion)) Restrict(companion);
        }
    }

    /// <summary>Options for a new private file, written once (e.g. a pickup message).</summary>
    public static FileStreamOptions CreateNew(int bufferSize = 4096, bool async = false)
    {
        var options = new FileStreamOptions
        {
            Mode = System.IO.FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = bufferSize,
            Options = async ? FileOptions.Asynchronous : FileOptions.None,
        };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = FileMode;
        return options;
    }

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private static void Restrict(string path)
    {
        var mode = File.GetUnixFileMode(path);
        if ((mode & OtherAccess) != 0) File.SetUnixFileMode(path, mode & ~OtherAccess);
    }
}
