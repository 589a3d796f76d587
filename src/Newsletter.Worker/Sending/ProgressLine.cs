using Newsletter.Core.Deliveries;

namespace Newsletter.Worker.Sending;

/// <summary>
/// Shows send progress: one line rewritten in place on a terminal, plain lines (at most one every few seconds)
/// when the output is redirected to a file or a CI log.
/// </summary>
public sealed class ProgressLine(TextWriter output, bool interactive)
{
    private static readonly TimeSpan PlainLineInterval = TimeSpan.FromSeconds(3);
    private DeliveryCounts? last;
    private DateTimeOffset lastWritten = DateTimeOffset.MinValue;

    public static ProgressLine ForConsole() => new(Console.Out, !Console.IsOutputRedirected);

    public void Report(DeliveryCounts counts)
    {
        if (counts == last) return;
        var done = counts.Sent + counts.Failed;
        var line = $"  {done,7:N0} / {counts.Total:N0} done  ({counts.Sent:N0} sent, {counts.Failed:N0} failed, {counts.Pending + counts.Sending:N0} to go)";
        if (interactive)
        {
            output.Write("\r" + line.PadRight(78));
            if (counts.IsComplete) output.WriteLine();
        }
        else if (counts.IsComplete || DateTimeOffset.UtcNow - lastWritten >= PlainLineInterval)
        {
            output.WriteLine(line);
            lastWritten = DateTimeOffset.UtcNow;
        }
        last = counts;
    }
}
