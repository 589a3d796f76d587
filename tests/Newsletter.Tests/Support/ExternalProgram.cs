using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Newsletter.Tests.Support;

/// <summary>Finding and running the system programs the server fixtures start (dovecot, postfix, openssl).</summary>
internal static class ExternalProgram
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The full path of a program in the usual system folders or on PATH; null when it is not installed.</summary>
    public static string? Find(string name) =>
        new[] { "/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin" }
            .Concat((Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);

    /// <summary>Runs a program to its end and returns its exit code and its output (stdout and stderr together).</summary>
    /// <exception cref="OperationCanceledException">It did not finish within 30 seconds.</exception>
    public static async Task<(int ExitCode, string Output)> RunAsync(string file, params string[] args)
    {
        // Output goes to a file, not a pipe: a daemon's forked master keeps the pipe open, and reading to its end would hang.
        var outputFile = Path.Combine(Path.GetTempPath(), $"newsletter-run-{Guid.NewGuid():N}.txt");
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("exec \"$0\" \"$@\" >\"$OUTPUT_FILE\" 2>&1 </dev/null");
        start.ArgumentList.Add(file);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["OUTPUT_FILE"] = outputFile;
        try
        {
            using var process = Process.Start(start)!;
            using var timeout = new CancellationTokenSource(RunTimeout);
            await process.WaitForExitAsync(timeout.Token);
            return (process.ExitCode, File.Exists(outputFile) ? await File.ReadAllTextAsync(outputFile) : "");
        }
        finally
        {
            File.Delete(outputFile);
        }
    }

    /// <summary>A loopback port the OS just handed out, for servers that cannot bind port 0 and report it.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until the server on the port sends a greeting that starts with <paramref name="greeting"/> (plain TCP).</summary>
    /// <exception cref="TimeoutException">It did not within <paramref name="timeout"/>.</exception>
    public static async Task WaitForGreetingAsync(int port, string greeting, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var tcp = new TcpClient();
                using var connect = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await tcp.ConnectAsync(IPAddress.Loopback, port, connect.Token);
                var buffer = new byte[64];
                var read = await tcp.GetStream().ReadAsync(buffer, connect.Token);
                if (read > 0 && System.Text.Encoding.ASCII.GetString(buffer, 0, read).StartsWith(greeting, StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException or IOException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Nothing answered '{greeting}…' on 127.0.0.1:{port} within {timeout.TotalSeconds} s.");
            }
            await Task.Delay(100);
        }
    }
}
