namespace Newsletter.Core.Clicks;

/// <summary>The tracked links of each issue and their click counts.</summary>
public interface IClickStore
{
    /// <summary>
    /// Stores the issue's links unless it has them already, and returns those stored: the first stored wins, so every process
    /// that renders the issue writes the same URLs into it.
    /// </summary>
    Task<IReadOnlyList<TrackedLink>> AddLinksAsync(int issueNumber, IReadOnlyList<TrackedLink> links, CancellationToken cancellationToken);

    /// <summary>One link of an issue, or null when the issue has no such link.</summary>
    Task<TrackedLink?> FindLinkAsync(int issueNumber, int linkId, CancellationToken cancellationToken);

    /// <summary>The issue's links in reading order (empty when it was sent without click tracking).</summary>
    Task<IReadOnlyList<TrackedLink>> ListLinksAsync(int issueNumber, CancellationToken cancellationToken);

    /// <summary>
    /// Adds the counts to the stored ones, in one transaction, each as an atomic increment: several processes adding to the same
    /// link and hour at once lose none.
    /// </summary>
    Task AddClicksAsync(IReadOnlyCollection<ClickCount> counts, CancellationToken cancellationToken);

    /// <summary>The issue's click counts per link and hour, oldest hour first.</summary>
    Task<IReadOnlyList<ClickCount>> ListClicksAsync(int issueNumber, CancellationToken cancellationToken);
}
