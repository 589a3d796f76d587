using System.Runtime.InteropServices;

namespace Newsletter.Benchmarks;

/// <summary>The two libc calls .NET does not offer: CPU used by finished child processes, and a polite SIGTERM.</summary>
internal static partial class Native
{
    private const int RusageChildren = -1;
    private const int SigTerm = 15;

    /// <summary>
    /// User + system CPU of every child process that has exited and been reaped so far (getrusage RUSAGE_CHILDREN). The difference
    /// around one short-lived child is that child's CPU, which <see cref="System.Diagnostics.Process"/> cannot read once it has exited.
    /// </summary>
    public static TimeSpan ReapedChildrenCpu()
    {
        if (getrusage(RusageChildren, out var usage) != 0)
            return TimeSpan.Zero;
        return TimeSpan.FromSeconds(usage.UserSeconds + usage.SystemSeconds + (usage.UserMicroseconds + usage.SystemMicroseconds) / 1e6);
    }

    /// <summary>Asks a process to stop (SIGTERM): `newsletter run` then shuts down as it does on Ctrl+C.</summary>
    public static void Terminate(int pid) => _ = kill(pid, SigTerm);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int getrusage(int who, out Rusage usage);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int signal);

    /// <summary>struct rusage on 64-bit Linux: two timevals, then fourteen longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UserSeconds;
        public long UserMicroseconds;
        public long SystemSeconds;
        public long SystemMicroseconds;
        public long MaxResidentKilobytes;
        public long Ixrss;
        public long Idrss;
        public long Isrss;
        public long MinorFaults;
        public long MajorFaults;
        public long Swaps;
        public long BlocksIn;
        public long BlocksOut;
        public long MessagesSent;
        public long MessagesReceived;
        public long Signals;
        public long VoluntarySwitches;
        public long InvoluntarySwitches;
    }
}
