using System.Collections.Concurrent;
using System.Diagnostics;

namespace Newsletter.Benchmarks;

/// <summary>
/// Every process the benchmark starts, so that an error, Ctrl-C or SIGTERM never leaves a sink or a worker behind: the
/// normal path stops each one itself, and <see cref="KillAll"/> in the program's last <c>finally</c> ends the rest.
/// </summary>
internal static class ChildProcesses
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();

    /// <exception cref="InvalidOperationException">The process could not be started.</exception>
    public static Process Start(ProcessStartInfo start)
    {
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        Running[process.Id] = process;
        return process;
    }

    /// <summary>Forgets a process that has exited (after it was waited for).</summary>
    public static void Forget(Process process) => Running.TryRemove(process.Id, out _);

    public static void KillAll()
    {
        foreach (var process in Running.Values)
        {
            try
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                    process.WaitForExit(5_000);
                }
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
        }

        Running.Clear();
    }
}
