using System.Diagnostics;

namespace Newsletter.Tests.Support;

/// <summary>
/// A real, small file system (tmpfs) mounted on a fresh folder, so a test can fill a disk for real. Mounting needs root
/// (or CAP_SYS_ADMIN): without it the test fails and says so.
/// </summary>
public sealed class TinyDisk : IDisposable
{
    private TinyDisk(string path) => Path = path;

    public string Path { get; }

    /// <exception cref="InvalidOperationException">The file system could not be mounted.</exception>
    public static async Task<TinyDisk> MountAsync(string size)
    {
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "newsletter-tests", "disk-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        await RunAsync("mount", "-t", "tmpfs", "-o", $"size={size},mode=0755", "tmpfs", path);
        return new TinyDisk(path);
    }

    /// <summary>Fills what is left of the disk with one file, as another program would.</summary>
    public string Fill()
    {
        var filler = System.IO.Path.Combine(Path, "filler");
        var chunk = new byte[4096];
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
        try
        {
            while (true) stream.Write(chunk);
        }
        catch (IOException)
        {
            // Full.
        }
        return filler;
    }

    /// <summary>Gives the file system more room, keeping its files (tmpfs resizes on remount).</summary>
    public Task GrowAsync(string size) => RunAsync("mount", "-o", $"remount,size={size}", Path);

    public void Dispose()
    {
        try
        {
            // Lazy: a test process that still holds a file open must not keep the mount around.
            RunAsync("umount", "-l", Path).GetAwaiter().GetResult();
            Directory.Delete(Path);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            // Left for the OS's temp cleanup.
        }
    }

    private static async Task RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"`{program} {string.Join(' ', args)}` failed ({process.ExitCode}): {await process.StandardError.ReadToEndAsync()} " +
                "The full-disk tests mount a small tmpfs and need root (or CAP_SYS_ADMIN); run them as root.");
        }
    }
}
