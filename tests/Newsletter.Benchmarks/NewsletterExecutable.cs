using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Newsletter.Benchmarks;

/// <summary>
/// The real `newsletter` executable (newsletter.dll and its runtimeconfig, copied beside the benchmark by the project
/// reference), run from a work folder that holds a copy of the repository's appsettings.json, with the run's settings as
/// Newsletter__… environment variables, as an operator runs it. Its GC settings are the shipped ones.
/// </summary>
internal sealed class NewsletterExecutable(string workDirectory, IReadOnlyDictionary<string, string?> settings, IReadOnlyDictionary<string, string> environment,
    string? dll = null)
{
    public static string Dll { get; } = Path.Combine(AppContext.BaseDirectory, "newsletter.dll");

    /// <summary>
    /// Runs a command under /usr/bin/time, which reports what the process alone used: its peak resident set (the kernel's
    /// maximum, not a sample) and its CPU. Returns the wall time from start to exit as well.
    /// </summary>
    /// <exception cref="InvalidOperationException">It failed (the message has its output).</exception>
    public async Task<(double WallSeconds, double CpuSeconds, long PeakResidentBytes)> RunTimedAsync(TimeSpan timeout, CancellationToken ct, params string[] args)
    {
        var report = Path.Combine(workDirectory, $"time-{Guid.NewGuid():N}.txt");
        var started = Stopwatch.GetTimestamp();
        await RunAsync(timeout, ct, ["--time-report", report, .. args]);
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var fields = (await File.ReadAllTextAsync(report, ct)).Trim().Split('\n')[^1].Split(' ');
        return (wall, double.Parse(fields[1], CultureInfo.InvariantCulture) + double.Parse(fields[2], CultureInfo.InvariantCulture),
            long.Parse(fields[0], CultureInfo.InvariantCulture) * 1024);
    }

    /// <summary>Runs <c>newsletter ARGS</c> to its end.</summary>
    /// <exception cref="InvalidOperationException">It exited with an error; the message has its output.</exception>
    /// <exception cref="TimeoutException">It did not finish within <paramref name="timeout"/> (it is killed).</exception>
    public async Task<string> RunAsync(TimeSpan timeout, CancellationToken ct, params string[] args)
    {
        using var process = new Output(ChildProcesses.Start(StartInfo(args)));
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(timeout);
        try
        {
            await process.Process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            process.Process.Kill(entireProcessTree: true);
            throw new TimeoutException($"newsletter {string.Join(' ', args)} did not finish within {timeout.TotalSeconds:F0} s:{Environment.NewLine}{process.Tail}");
        }
        finally
        {
            ChildProcesses.Forget(process.Process);
        }

        process.Process.WaitForExit(); // drains the output readers
        if (process.Process.ExitCode != 0)
            throw new InvalidOperationException($"newsletter {string.Join(' ', args)} exited with {process.Process.ExitCode}:{Environment.NewLine}{process.Tail}");
        return process.StandardOutput;
    }

    /// <summary>Starts `newsletter run` with its web server on a free loopback port; <see cref="Worker.WaitUntilReadyAsync"/> waits for /healthz.</summary>
    public Worker StartWorker()
    {
        var port = FreePort();
        var start = StartInfo(["run"]);
        start.Environment["Newsletter__Web__Urls"] = $"http://127.0.0.1:{port}";
        return new Worker(new Output(ChildProcesses.Start(start)), port);
    }

    private ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var list = args.ToList();
        var timed = list.Count > 1 && list[0] == "--time-report";
        var start = new ProcessStartInfo(timed ? "/usr/bin/time" : "dotnet")
        {
            WorkingDirectory = workDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (timed)
        {
            foreach (var arg in new[] { "-o", list[1], "-f", "%M %U %S", "dotnet" })
                start.ArgumentList.Add(arg);
            list = list[2..];
        }
        start.ArgumentList.Add(dll ?? Dll);
        foreach (var arg in list)
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        return start;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// A process whose output is read as it comes, so a full pipe never blocks it: all of stdout (a command's result), and the
    /// last 200 lines of stdout and stderr together (for error messages).
    /// </summary>
    internal sealed class Output : IDisposable
    {
        private readonly Queue<string> _lines = new();
        private readonly StringBuilder _stdout = new();

        public Output(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => Add(e.Data, toStdout: true);
            process.ErrorDataReceived += (_, e) => Add(e.Data, toStdout: false);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string StandardOutput
        {
            get
            {
                lock (_lines)
                    return _stdout.ToString();
            }
        }

        /// <summary>The last lines, for an error message.</summary>
        public string Tail
        {
            get
            {
                lock (_lines)
                    return string.Join(Environment.NewLine, _lines.Skip(Math.Max(0, _lines.Count - 30)));
            }
        }

        public void Dispose() => Process.Dispose();

        private void Add(string? line, bool toStdout)
        {
            if (line is null)
                return;
            lock (_lines)
            {
                // A `run` process logs for as long as it lives; only a command's output is kept whole.
                if (toStdout && _stdout.Length < 1_000_000)
                    _stdout.AppendLine(line);
                _lines.Enqueue(line);
                if (_lines.Count > 200)
                    _lines.Dequeue();
            }
        }
    }

    /// <summary>One `newsletter run` process: its CPU and peak working set are read from /proc while it lives.</summary>
    internal sealed class Worker(Output output, int port) : IDisposable
    {
        public Process Process => output.Process;

        /// <summary>
        /// Until the web server answers /healthz. It starts listening only after the host's other hosted services (the Hangfire
        /// server among them) have started, so any answer means ready; a 503 is returned for the caller to report.
        /// </summary>
        /// <returns>Null when /healthz said 200, otherwise its status and body.</returns>
        /// <exception cref="InvalidOperationException">The process exited, or did not answer within <paramref name="timeout"/>.</exception>
        public async Task<string?> WaitUntilReadyAsync(TimeSpan timeout, CancellationToken ct)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var clock = Stopwatch.StartNew();
            var last = "no answer";
            while (clock.Elapsed < timeout)
            {
                if (Process.HasExited)
                    throw new InvalidOperationException($"newsletter run exited with {Process.ExitCode} before it was ready:{Environment.NewLine}{output.Tail}");
                try
                {
                    using var response = await http.GetAsync($"http://127.0.0.1:{port}/healthz", ct);
                    return response.StatusCode == HttpStatusCode.OK ? null : $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}";
                }
                catch (HttpRequestException e)
                {
                    last = e.Message;
                }
                catch (TaskCanceledException) when (!ct.IsCancellationRequested)
                {
                    last = "no answer within 5 s";
                }

                await Task.Delay(200, ct);
            }

            throw new InvalidOperationException($"newsletter run (pid {Process.Id}) did not answer /healthz within {timeout.TotalSeconds:F0} s ({last}):{Environment.NewLine}{output.Tail}");
        }

        public TimeSpan Cpu
        {
            get
            {
                Process.Refresh();
                return Process.TotalProcessorTime;
            }
        }

        /// <summary>VmHWM: the most resident memory the process has had since it started.</summary>
        public long PeakWorkingSet
        {
            get
            {
                Process.Refresh();
                return Process.PeakWorkingSet64;
            }
        }

        public long WorkingSet
        {
            get
            {
                Process.Refresh();
                return Process.WorkingSet64;
            }
        }

        public bool HasExited => Process.HasExited;

        public string RecentOutput => output.Tail;

        /// <summary>SIGTERM (a graceful stop, as Ctrl+C), then SIGKILL if it is still there after <paramref name="grace"/>.</summary>
        public async Task StopAsync(TimeSpan grace)
        {
            if (!Process.HasExited)
            {
                Native.Terminate(Process.Id);
                using var limit = new CancellationTokenSource(grace);
                try
                {
                    await Process.WaitForExitAsync(limit.Token);
                }
                catch (OperationCanceledException)
                {
                    Process.Kill(entireProcessTree: true);
                    await Process.WaitForExitAsync(CancellationToken.None);
                }
            }

            ChildProcesses.Forget(Process);
        }

        public void Dispose() => output.Dispose();
    }
}
