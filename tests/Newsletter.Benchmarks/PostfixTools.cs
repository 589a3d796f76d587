using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Newsletter.Benchmarks;

/// <summary>Postfix's smtp-sink (the server both sides send to) and smtp-source (the baseline client).</summary>
internal sealed class PostfixTools : IDisposable
{
    public const string SinkPath = "/usr/sbin/smtp-sink";
    public const string SourcePath = "/usr/sbin/smtp-source";

    private readonly Process _sink;

    private PostfixTools(Process sink, int port)
    {
        _sink = sink;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>CPU seconds the sink has used so far (from /proc), to show whether it is the bottleneck.</summary>
    public double SinkCpuSeconds
    {
        get
        {
            _sink.Refresh();
            return _sink.TotalProcessorTime.TotalSeconds;
        }
    }

    /// <exception cref="InvalidOperationException">Postfix is not installed, or the sink did not start listening.</exception>
    public static async Task<PostfixTools> StartSinkAsync()
    {
        if (!File.Exists(SinkPath) || !File.Exists(SourcePath))
            throw new InvalidOperationException($"{SinkPath} or {SourcePath} is missing: run tests/Newsletter.Benchmarks/run.sh, which installs Postfix " +
                                                "(or: sudo DEBIAN_FRONTEND=noninteractive apt-get install -y postfix).");

        var port = FreePort();
        var start = new ProcessStartInfo(SinkPath) { UseShellExecute = false, RedirectStandardError = true };
        // As root, smtp-sink insists on dropping privileges to a named user.
        if (Environment.UserName == "root")
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("nobody");
        }

        start.ArgumentList.Add($"127.0.0.1:{port}");
        start.ArgumentList.Add("1000"); // listen backlog
        var sink = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {SinkPath}.");

        for (var attempt = 0; attempt < 50; attempt++)
        {
            try
            {
                using var probe = new Socket(SocketType.Stream, ProtocolType.Tcp);
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return new PostfixTools(sink, port);
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        sink.Kill();
        throw new InvalidOperationException($"smtp-sink did not listen on 127.0.0.1:{port} within 5 s: {await sink.StandardError.ReadToEndAsync()}");
    }

    /// <summary>Runs smtp-source: <paramref name="messages"/> messages of <paramref name="bodyBytes"/> bytes over <paramref name="connections"/> reused connections.</summary>
    /// <returns>Wall-clock time of the whole run, process start included.</returns>
    /// <exception cref="InvalidOperationException">smtp-source failed.</exception>
    public async Task<TimeSpan> RunSourceAsync(int messages, int bodyBytes, int connections)
    {
        var start = new ProcessStartInfo(SourcePath) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[]
                 {
                     "-d", "-s", connections.ToString(CultureInfo.InvariantCulture), "-m", messages.ToString(CultureInfo.InvariantCulture),
                     "-l", bodyBytes.ToString(CultureInfo.InvariantCulture), "-f", "a@x.test", "-t", "b@x.test", Endpoint,
                 })
            start.ArgumentList.Add(argument);

        var clock = Stopwatch.StartNew();
        using var source = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {SourcePath}.");
        var errors = source.StandardError.ReadToEndAsync();
        await source.StandardOutput.ReadToEndAsync();
        await source.WaitForExitAsync();
        clock.Stop();
        if (source.ExitCode != 0)
            throw new InvalidOperationException($"smtp-source exited with {source.ExitCode}: {await errors}");
        return clock.Elapsed;
    }

    public void Dispose()
    {
        try
        {
            if (!_sink.HasExited)
            {
                _sink.Kill();
                _sink.WaitForExit(5_000);
            }
        }
        finally
        {
            _sink.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
