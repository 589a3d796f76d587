using System.Diagnostics;
using System.Text;

namespace Newsletter.Tests.Support;

/// <summary>Runs the real `newsletter` executable, the way an operator does, from a test environment's folder.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>
    /// Runs <c>newsletter ARGS</c> to the end with the working folder holding a copy of the repository's appsettings.json and the
    /// environment's settings passed as Newsletter__… environment variables (which override the file, as in production).
    /// </summary>
    public static async Task<Result> RunAsync(TestEnvironment environment, IEnumerable<KeyValuePair<string, string?>>? extraVariables, params string[] args)
    {
        using var running = Start(environment, extraVariables, args);
        return await running.WaitAsync(TimeSpan.FromMinutes(2));
    }

    /// <summary>Starts <c>newsletter ARGS</c> and returns at once; the test may kill it.</summary>
    public static Running Start(TestEnvironment environment, IEnumerable<KeyValuePair<string, string?>>? extraVariables, params string[] args)
    {
        var settingsFile = Path.Combine(environment.Directory, "appsettings.json");
        if (!File.Exists(settingsFile))
        {
            File.Copy(Path.Combine(RepoPaths.Root, "appsettings.json"), settingsFile);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = environment.Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "newsletter.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment.AsEnvironmentVariables().Concat(extraVariables ?? []))
        {
            start.Environment[key] = value;
        }
        return new Running(Process.Start(start)!, string.Join(' ', args));
    }

    /// <summary>A started executable whose output is collected as it comes.</summary>
    public sealed class Running : IDisposable
    {
        private readonly StringBuilder _output = new();
        private readonly StringBuilder _error = new();
        private readonly string _commandLine;

        internal Running(Process process, string commandLine)
        {
            Process = process;
            _commandLine = commandLine;
            process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
            process.ErrorDataReceived += (_, e) => { lock (_error) _error.AppendLine(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        /// <summary>SIGKILL on Linux: no shutdown code runs, as in a crash or kill -9.</summary>
        public void KillHard() => Process.Kill(entireProcessTree: true);

        public async Task<Result> WaitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await Process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                KillHard();
                throw new TimeoutException($"newsletter {_commandLine} did not finish in {timeout}. Output so far: {Text(_output)}{Text(_error)}");
            }
            Process.WaitForExit(); // drains the asynchronous output readers
            return new Result(Process.ExitCode, Text(_output), Text(_error));
        }

        /// <summary>Waits until the output (stdout or stderr) holds a line matching <paramref name="pattern"/>, and returns the match.</summary>
        public async Task<System.Text.RegularExpressions.Match> WaitForOutputAsync(System.Text.RegularExpressions.Regex pattern, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                var match = pattern.Match(Text(_output) + Text(_error));
                if (match.Success) return match;
                if (Process.HasExited) break;
                await Task.Delay(100);
            }
            throw new TimeoutException($"newsletter {_commandLine} wrote nothing matching {pattern} in {timeout}. Output: {Text(_output)}{Text(_error)}");
        }

        public void Dispose() => Process.Dispose();

        private static string Text(StringBuilder builder)
        {
            lock (builder) return builder.ToString();
        }
    }
}
