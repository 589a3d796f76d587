namespace Newsletter.Core.Composition;

/// <summary>Frozen issues, numbered in the order they were composed.</summary>
public interface IIssueStore
{
    /// <summary>
    /// Numbers and stores the issue of the week ending on <paramref name="weekEnding"/>, and marks its stories used. The number
    /// is decided here, once: inside the transaction that stores the issue, the store takes the next number and passes it to
    /// <paramref name="compose"/>, so a subject built from it is always the stored number, however many composes run at once.
    /// </summary>
    /// <param name="compose">Builds the issue with the number it is given; it runs inside the store's transaction, so keep it pure.</param>
    /// <returns>The stored issue.</returns>
    /// <exception cref="IssueAlreadyComposedException">The week already has an issue; nothing was stored.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="compose"/> returned an issue with another number or week.</exception>
    Task<Issue> CreateAsync(DateOnly weekEnding, Func<int, Issue> compose, CancellationToken cancellationToken);

    Task<Issue?> GetAsync(int number, CancellationToken cancellationToken);

    /// <summary>The issue composed for the week ending on <paramref name="weekEnding"/>, if any.</summary>
    Task<Issue?> FindByWeekEndingAsync(DateOnly weekEnding, CancellationToken cancellationToken);

    /// <summary>Slugs of stories already shown in an issue; composition skips them.</summary>
    Task<IReadOnlySet<string>> UsedStorySlugsAsync(CancellationToken cancellationToken);

    /// <summary>All issues, newest first.</summary>
    Task<IReadOnlyList<Issue>> ListAsync(CancellationToken cancellationToken);
}
