namespace Newsletter.Core.Composition;

/// <summary>
/// An issue's bodies as one list's members get them, rendered once when the send was created and kept in the store, so the
/// processes that send it never run the templates. <c>Html</c> and <c>Text</c> hold the two personal
/// slots as <c>GreetingNameToken</c> and <c>UnsubscribeUrlToken</c>, random per rendering so no story
/// text can contain them.
/// </summary>
public sealed record IssueRendering(int IssueNumber, string ListName, string Html, string Text, string GreetingNameToken, string UnsubscribeUrlToken);

/// <summary>The stored renderings of issues, one per (issue, list), written once and never changed: issues are frozen.</summary>
public interface IIssueRenderingStore
{
    /// <summary>
    /// Stores <paramref name="rendering"/> unless the (issue, list) has one already, and returns the one stored: the first
    /// wins, so every process that sends the issue to the list sends the same bodies.
    /// </summary>
    Task<IssueRendering> AddOrGetAsync(IssueRendering rendering, CancellationToken cancellationToken);

    /// <summary>The stored rendering of <paramref name="issueNumber"/> for <paramref name="listName"/>, or null when there is none
    /// (the send was created before renderings were stored, or there is no send).</summary>
    Task<IssueRendering?> FindAsync(int issueNumber, string listName, CancellationToken cancellationToken);
}
