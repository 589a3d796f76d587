using Newsletter.Core.Deliveries;
using Newsletter.Worker.Sending;
using Spectre.Console;

namespace Newsletter.Worker.Cli;

/// <summary>
/// Progress of long commands: a Spectre.Console bar or spinner when stdout is a terminal, plain lines (or nothing) when it is
/// redirected to a file or a CI log, so logs stay readable and scripts can parse the output.
/// </summary>
public static class ConsoleProgress
{
    public static bool IsInteractive => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;

    /// <summary>Runs <paramref name="work"/> off the calling thread with a spinner on a terminal.</summary>
    public static async Task<T> WhileAsync<T>(string status, Func<T> work)
    {
        if (!IsInteractive) return await Task.Run(work);
        return await AnsiConsole.Status().StartAsync(status, _ => Task.Run(work));
    }

    /// <summary>Waits for a send with a progress bar on a terminal, or <see cref="ProgressLine"/>'s plain lines otherwise.</summary>
    public static async Task<DeliveryCounts> SendAsync(Func<Action<DeliveryCounts, DateTimeOffset?>, Task<DeliveryCounts>> wait)
    {
        if (!IsInteractive) return await wait(new ProgressLine(Console.Out, TimeProvider.System).Report);

        return await Progress().StartAsync(async context =>
        {
            var task = context.AddTask("Sending", maxValue: 1);
            var counts = await wait((c, next) =>
            {
                task.MaxValue = Math.Max(1, c.Total);
                task.Value = c.Total - c.Outstanding;
                task.Description = $"{c.Sent:N0} sent, {c.Failed:N0} failed, {c.Suppressed:N0} suppressed" +
                                   (c.Deferred > 0 ? $", {c.Deferred:N0} deferred until {next?.ToLocalTime():HH:mm:ss}" : "");
            });
            task.Value = task.MaxValue;
            return counts;
        });
    }

    /// <summary>A bar over <paramref name="total"/> items; <paramref name="work"/> gets a callback to advance it. Plain runs get a no-op.</summary>
    public static async Task<T> ItemsAsync<T>(string description, int total, Func<Action<string>, Task<T>> work)
    {
        if (!IsInteractive) return await work(_ => { });
        return await Progress().StartAsync(async context =>
        {
            var task = context.AddTask(description, maxValue: Math.Max(1, total));
            var result = await work(item =>
            {
                task.Increment(1);
                task.Description = $"{description} {Markup.Escape(item)}";
            });
            task.Description = description;
            task.Value = task.MaxValue;
            return result;
        });
    }

    private static Spectre.Console.Progress Progress() => AnsiConsole.Progress()
        .AutoClear(false)
        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn());
}
