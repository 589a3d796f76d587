using System.Collections.Concurrent;
using Newsletter.Core.Composition;
using Newsletter.Core.Lists;
using Newsletter.Delivery.Clicks;
using Newsletter.Delivery.Messages;
using Newsletter.Rendering;

namespace Newsletter.Delivery.Sending;

/// <summary>
/// Each (issue, list)'s bodies, rendered once when its send is created (<see cref="FreezeAsync"/>) and kept in the store, so
/// the processes that send it read them instead of running the templates: a worker never compiles them. A send created before
/// renderings were stored has none; it is rendered here as it was then. Each (issue, list) is read (and encoded) once per
/// process, however many batch jobs of the send this process runs; batches then only splice in each subscriber's name and
/// URL. Keeps the most recent issue only, so a long-running worker does not grow.
/// </summary>
public sealed class RenderedIssueCache(
    IIssueStore issues, IIssueRenderingStore renderings, IssueRenderer renderer, PublicUrls urls, TrackedIssueLinks links)
    : IIssueBodySource
{
    private readonly ConcurrentDictionary<(int Issue, string List), Lazy<Task<PreparedIssue>>> _prepared = new();

    /// <summary>The issue as the list's members get it: the stored rendering, or rendered now when there is none.</summary>
    /// <exception cref="InvalidOperationException">The issue is not in the store.</exception>
    /// <exception cref="TemplateException">There is no stored rendering and a template does not compile or throws.</exception>
    public async Task<RenderedIssue> GetAsync(int issueNumber, ListIdentity list, CancellationToken cancellationToken) =>
        (await GetPreparedAsync(issueNumber, list, cancellationToken)).Rendered;

    /// <summary>The issue as the list's members get it, encoded as a message body.</summary>
    /// <exception cref="InvalidOperationException">The issue is not in the store.</exception>
    /// <exception cref="TemplateException">There is no stored rendering and a template does not compile or throws.</exception>
    public async Task<EncodedIssueBody> GetBodyAsync(int issueNumber, ListIdentity list, CancellationToken cancellationToken) =>
        (await GetPreparedAsync(issueNumber, list, cancellationToken)).Body;

    /// <summary>
    /// Makes sure the store holds the rendering of the issue for the list, rendering it if there is none, and returns the one
    /// stored (another process may have stored its own first). Called before a send is created or queued: the rendering checked
    /// then is the one every process sends.
    /// </summary>
    /// <exception cref="InvalidOperationException">The issue is not in the store.</exception>
    /// <exception cref="TemplateException">There is no stored rendering and a template does not compile or throws.</exception>
    public async Task<RenderedIssue> FreezeAsync(int issueNumber, ListIdentity list, CancellationToken cancellationToken)
    {
        var current = await GetPreparedAsync(issueNumber, list, cancellationToken);
        if (current.IsStored)
            return current.Rendered;

        var stored = await renderings.AddOrGetAsync(current.Rendered.ToStored(list.Name), cancellationToken);
        var frozen = Prepare(RenderedIssue.FromStored(current.Rendered.Issue, stored), isStored: true);
        _prepared[(issueNumber, list.Name)] = new Lazy<Task<PreparedIssue>>(Task.FromResult(frozen));
        return frozen.Rendered;
    }

    private async Task<PreparedIssue> GetPreparedAsync(int issueNumber, ListIdentity list, CancellationToken cancellationToken)
    {
        foreach (var stale in _prepared.Keys.Where(k => k.Issue < issueNumber))
        {
            _prepared.TryRemove(stale, out _);
        }

        var key = (issueNumber, list.Name);
        // The shared load must not die with the first caller's token, so it runs uncancelled; callers stop waiting on theirs.
        var entry = _prepared.GetOrAdd(key, _ => new Lazy<Task<PreparedIssue>>(() => LoadAsync(issueNumber, list)));
        try
        {
            return await entry.Value.WaitAsync(cancellationToken);
        }
        catch when (entry.Value.IsFaulted)
        {
            _prepared.TryRemove(new KeyValuePair<(int, string), Lazy<Task<PreparedIssue>>>(key, entry));
            throw;
        }
    }

    private async Task<PreparedIssue> LoadAsync(int issueNumber, ListIdentity list)
    {
        var issue = await issues.GetAsync(issueNumber, CancellationToken.None)
            ?? throw new InvalidOperationException($"Issue #{issueNumber} is not in the store.");
        if (await renderings.FindAsync(issueNumber, list.Name, CancellationToken.None) is { } stored)
            return Prepare(RenderedIssue.FromStored(issue, stored), isStored: true);

        // Only here does the process compile the templates: a send created before renderings were stored, or a first render.
        // Story links are rewritten here, once per issue and list, never per message (click tracking, when it is on).
        var tracked = await links.ForRenderingAsync(issue, CancellationToken.None);
        var rendered = await renderer.RenderAsync(issue, new IssueRenderContext(list.DisplayName, urls.ViewInBrowser(issueNumber), tracked),
            CancellationToken.None);
        return Prepare(rendered, isStored: false);
    }

    private static PreparedIssue Prepare(RenderedIssue rendered, bool isStored) => new(rendered, new EncodedIssueBody(rendered), isStored);

    private sealed record PreparedIssue(RenderedIssue Rendered, EncodedIssueBody Body, bool IsStored);
}
