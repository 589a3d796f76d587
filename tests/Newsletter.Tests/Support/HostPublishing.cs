using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newsletter.Core.Deliveries;
using Newsletter.Worker.Publishing;
using Newsletter.Worker.Sending;

namespace Newsletter.Tests.Support;

/// <summary>What `newsletter publish` does, run inside a test's host: publish the week to one list and wait for the send.</summary>
public static class HostPublishing
{
    public static readonly DateOnly SampleWeek = new(2026, 4, 6);

    /// <summary>Publishes the sample week to <paramref name="list"/>; the returned task ends when the send does.</summary>
    /// <exception cref="Newsletter.Core.Errors.SendStoppedException">The send paused or got stuck (see <see cref="SendWatcher"/>).</exception>
    public static async Task<(PublishedIssue Published, DeliveryCounts Counts)> PublishAndWaitAsync(this IHost host, string list, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var published = await host.Services.GetRequiredService<IssuePublisher>().PublishAsync(SampleWeek, [list], _ => { }, cancel.Token);
        var counts = await host.Services.GetRequiredService<SendWatcher>()
            .WaitAsync(published.Issue.Number, published.Sends.Select(s => s.Send).ToList(), (_, _) => { }, cancel.Token);
        return (published, counts);
    }
}
