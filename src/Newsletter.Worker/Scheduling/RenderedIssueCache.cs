using System.Collections.Concurrent;
using Newsletter.Core.Composition;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Rendering;

namespace Newsletter.Worker.Scheduling;

/// <summary>
/// Renders each (issue, list) once per process, however many batch jobs of the send this process runs;
/// batches then only personalise. Keeps the most recent issue only, so a long-running worker does not grow.
/// </summary>
public sealed class RenderedIssueCache(IIssueStore issues, IssueRenderer renderer, IssueMessageBuilder messages)
{
    private readonly ConcurrentDictionary<(int Issue, string List), Lazy<Task<RenderedIssue>>> rendered = new();

    /// <exception cref="InvalidOperationException">The issue is not in the store.</exception>
    public async Task<RenderedIssue> GetAsync(int issueNumber, MailingList list, CancellationToken cancellationToken)
    {
        foreach (var stale in rendered.Keys.Where(k => k.Issue < issueNumber))
        {
            rendered.TryRemove(stale, out _);
        }

        var key = (issueNumber, list.Name);
        // The shared render must not die with the first caller's token, so it runs uncancelled; callers stop waiting on theirs.
        var entry = rendered.GetOrAdd(key, _ => new Lazy<Task<RenderedIssue>>(() => RenderAsync(issueNumber, list)));
        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch when (entry.Value.IsFaulted)
        {
            rendered.TryRemove(new KeyValuePair<(int, string), Lazy<Task<RenderedIssue>>>(key, entry));
            throw;
        }
    }

    private async Task<RenderedIssue> RenderAsync(int issueNumber, MailingList list)
    {
        var issue = await issues.GetAsync(issueNumber, CancellationToken.None)
            ?? throw new InvalidOperationException($"Issue #{issueNumber} is not in the store.");
        return await renderer.RenderAsync(issue, new IssueRenderContext(list.DisplayName, messages.ViewInBrowserUrl(issueNumber)), CancellationToken.None);
    }
}
