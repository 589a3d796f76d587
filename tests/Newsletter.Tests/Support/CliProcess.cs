using System.Diagnostics;

namespace Newsletter.Tests.Support;

/// <summary>Runs the real `newsletter` executable, the way an operator does, from a test environment's folder.</summary>
public static class CliProcess
{
    public sealed record Result(int ExitCode, string Output, string Error);

    /// <summary>
    /// Runs <c>newsletter ARGS</c> with the working folder holding a copy of the repository's appsettings.json and the
    /// environment's settings passed as Newsletter__… environment variables (which override the file, as in production).
    /// </summary>
    public static async Task<Result> RunAsync(TestEnvironment environment, IEnumerable<KeyValuePair<string, string?>>? extraVariables, params string[] args)
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

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"newsletter {string.Join(' ', args)} did not finish in 2 minutes. Output so far: {await output}{await error}");
        }
        return new Result(process.ExitCode, await output, await error);
    }
}
