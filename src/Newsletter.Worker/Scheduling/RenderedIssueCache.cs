using System.Collections.Concurrent;
using Newsletter.Core.Composition;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Messages;
using Newsletter.Delivery.Sending;
using Newsletter.Rendering;

namespace Newsletter.Worker.Scheduling;

/// <summary>
/// Renders and encodes each (issue, list) once per process, however many batch jobs of the send this process runs;
/// batches then only splice in each subscriber's name and URL. Keeps the most recent issue only, so a long-running
/// worker does not grow.
/// </summary>
public sealed class RenderedIssueCache(IIssueStore issues, IssueRenderer renderer, IssueMessageBuilder messages) : IIssueBodySource
{
    private readonly ConcurrentDictionary<(int Issue, string List), Lazy<Task<PreparedIssue>>> _rendered = new();

    /// <summary>The issue as the list's members get it, rendered.</summary>
    /// <exception cref="InvalidOperationException">The issue is not in the store.</exception>
    /// <exception cref="TemplateException">A template does not compile or throws.</exception>
    public async Task<RenderedIssue> GetAsync(int issueNumber, ListIdentity list, CancellationToken cancellationToken) =>
        (await GetPreparedAsync(issueNumber, list, cancellationToken)).Rendered;

    /// <summary>The issue as the list's members get it, rendered and encoded as a message body.</summary>
    /// <exception cref="InvalidOperationException">The issue is not in the store.</exception>
    /// <exception cref="TemplateException">A template does not compile or throws.</exception>
    public async Task<EncodedIssueBody> GetBodyAsync(int issueNumber, ListIdentity list, CancellationToken cancellationToken) =>
        (await GetPreparedAsync(issueNumber, list, cancellationToken)).Body;

    private async Task<PreparedIssue> GetPreparedAsync(int issueNumber, ListIdentity list, CancellationToken cancellationToken)
    {
        foreach (var stale in _rendered.Keys.Where(k => k.Issue < issueNumber))
        {
            _rendered.TryRemove(stale, out _);
        }

        var key = (issueNumber, list.Name);
        // The shared render must not die with the first caller's token, so it runs uncancelled; callers stop waiting on theirs.
        var entry = _rendered.GetOrAdd(key, _ => new Lazy<Task<PreparedIssue>>(() => RenderAsync(issueNumber, list)));
        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch when (entry.Value.IsFaulted)
        {
            _rendered.TryRemove(new KeyValuePair<(int, string), Lazy<Task<PreparedIssue>>>(key, entry));
            throw;
        }
    }

    private async Task<PreparedIssue> RenderAsync(int issueNumber, ListIdentity list)
    {
        var issue = await issues.GetAsync(issueNumber, CancellationToken.None)
            ?? throw new InvalidOperationException($"Issue #{issueNumber} is not in the store.");
        var rendered = await renderer.RenderAsync(issue, new IssueRenderContext(list.DisplayName, messages.ViewInBrowserUrl(issueNumber)), CancellationToken.None);
        return new PreparedIssue(rendered, new EncodedIssueBody(rendered));
    }

    private sealed record PreparedIssue(RenderedIssue Rendered, EncodedIssueBody Body);
}
