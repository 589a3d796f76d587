namespace Newsletter.Core.Composition;

/// <summary>Frozen issues, numbered in the order they were composed.</summary>
public interface IIssueStore
{
    /// <summary>Numbers and stores a draft issue (its <see cref="Issue.Number"/> is ignored) and marks its stories used.</summary>
    /// <returns>The stored issue, with its number.</returns>
    Task<Issue> SaveAsync(Issue draft, CancellationToken cancellationToken);

    Task<Issue?> GetAsync(int number, CancellationToken cancellationToken);

    /// <summary>The issue composed for the week ending on <paramref name="weekEnding"/>, if any.</summary>
    Task<Issue?> FindByWeekEndingAsync(DateOnly weekEnding, CancellationToken cancellationToken);

    /// <summary>Slugs of stories already shown in an issue; composition skips them.</summary>
    Task<IReadOnlySet<string>> UsedStorySlugsAsync(CancellationToken cancellationToken);

    /// <summary>All issues, newest first.</summary>
    Task<IReadOnlyList<Issue>> ListAsync(CancellationToken cancellationToken);
}
