using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Newsletter.Benchmarks;

/// <summary>
/// Postfix's smtp-sink (the server both sides send to) and smtp-source (the baseline client). The sink runs with <c>-c</c>,
/// which prints a running count of accepted messages; reading it here stamps every acceptance with the benchmark's clock,
/// so the figures are measured at the server, whatever store or how many processes sent them.
/// </summary>
internal sealed class PostfixTools : IDisposable
{
    public const string SinkPath = "/usr/sbin/smtp-sink";
    public const string SourcePath = "/usr/sbin/smtp-source";

    private readonly Process _sink;
    private readonly List<long> _acceptedAt = []; // Stopwatch timestamps, one per accepted message, in order
    private readonly Task _reader;

    private PostfixTools(Process sink, int port)
    {
        _sink = sink;
        Port = port;
        _reader = Task.Run(ReadCounterAsync);
    }

    /// <summary>Messages the sink has accepted since it started.</summary>
    public int Accepted
    {
        get
        {
            lock (_acceptedAt)
                return _acceptedAt.Count;
        }
    }

    /// <summary>When the sink accepted its <paramref name="index"/>th message (0-based), as a <see cref="Stopwatch"/> timestamp.</summary>
    public long AcceptedAt(int index)
    {
        lock (_acceptedAt)
            return _acceptedAt[index];
    }

    /// <summary>Waits until the sink has accepted <paramref name="count"/> messages in all.</summary>
    /// <returns>False when no message arrived for <paramref name="stall"/> (something failed or stopped), or the sink died.</returns>
    public async Task<bool> WaitForAcceptedAsync(int count, TimeSpan stall, Func<bool> keepWaiting, CancellationToken ct)
    {
        var seen = Accepted;
        var lastProgress = Stopwatch.GetTimestamp();
        while (seen < count)
        {
            await Task.Delay(20, ct);
            var now = Accepted;
            if (now != seen)
            {
                seen = now;
                lastProgress = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(lastProgress) > stall || _sink.HasExited || !keepWaiting())
            {
                return false;
            }
        }

        return true;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public IPEndPoint EndPoint => new(IPAddress.Loopback, Port);

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
        var start = new ProcessStartInfo(SinkPath) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c"); // "sess=S quit=Q mesg=M\r" on stdout after each accepted message
        // As root, smtp-sink insists on dropping privileges to a named user.
        if (Environment.UserName == "root")
        {
            start.ArgumentList.Add("-u");
            start.ArgumentList.Add("nobody");
        }

        start.ArgumentList.Add($"127.0.0.1:{port}");
        start.ArgumentList.Add("1000"); // listen backlog
        var sink = ChildProcesses.Start(start);

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
    public async Task<TimeSpan> RunSourceAsync(int messages, int bodyBytes, int connections, TimeSpan timeout, CancellationToken ct)
    {
        var start = new ProcessStartInfo(SourcePath) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in new[]
                 {
                     "-d", "-s", connections.ToString(CultureInfo.InvariantCulture), "-m", messages.ToString(CultureInfo.InvariantCulture),
                     "-l", bodyBytes.ToString(CultureInfo.InvariantCulture), "-f", "a@x.test", "-t", "b@x.test", Endpoint,
                 })
            start.ArgumentList.Add(argument);

        var clock = Stopwatch.StartNew();
        using var source = ChildProcesses.Start(start);
        var errors = source.StandardError.ReadToEndAsync(ct);
        var output = source.StandardOutput.ReadToEndAsync(ct);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await source.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            source.Kill();
            throw new InvalidOperationException($"smtp-source did not finish within {timeout.TotalSeconds:F0} s.");
        }
        finally
        {
            ChildProcesses.Forget(source);
        }

        clock.Stop();
        await output;
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

            _reader.Wait(TimeSpan.FromSeconds(5));
        }
        finally
        {
            ChildProcesses.Forget(_sink);
            _sink.Dispose();
        }
    }

    private async Task ReadCounterAsync()
    {
        // Records end with \r: "sess=S quit=Q mesg=M", M last; only M matters. The count can only grow by one per record.
        var buffer = new char[4096];
        var record = new System.Text.StringBuilder();
        var reader = _sink.StandardOutput;
        int read;
        while ((read = await reader.ReadAsync(buffer)) > 0)
        {
            var now = Stopwatch.GetTimestamp();
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != '\r' && buffer[i] != '\n')
                {
                    record.Append(buffer[i]);
                    continue;
                }

                var text = record.ToString();
                record.Clear();
                var at = text.LastIndexOf('=');
                if (!text.Contains("mesg=", StringComparison.Ordinal) || !int.TryParse(text.AsSpan(at + 1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var count))
                    continue;
                lock (_acceptedAt)
                {
                    while (_acceptedAt.Count < count)
                        _acceptedAt.Add(now);
                }
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>`openssl speed rsa2048` on one core: the floor under DKIM's per-message cost (one RSA-2048 signature).</summary>
internal static class OpenSsl
{
    public static string Rsa2048Line()
    {
        try
        {
            var start = new ProcessStartInfo("openssl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[] { "speed", "-seconds", "2", "rsa2048" })
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            var row = output.Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith("rsa 2048", StringComparison.Ordinal) || l.Contains("rsa  2048", StringComparison.Ordinal));
            if (row is null)
                return "openssl speed rsa2048: no result";
            var fields = row.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // rsa 2048 bits 0.000259s 0.000008s 3858.2 125000.0 (sign, verify, sign/s, verify/s)
            var sign = fields.FirstOrDefault(f => f.EndsWith('s') && double.TryParse(f.TrimEnd('s'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _));
            return $"openssl speed rsa2048 here: {row.Trim()} ({(sign is null ? "?" : (double.Parse(sign.TrimEnd('s'), System.Globalization.CultureInfo.InvariantCulture) * 1000).ToString("F3", System.Globalization.CultureInfo.InvariantCulture))} ms per signature)";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "openssl is not installed: no RSA reference";
        }
    }
}
